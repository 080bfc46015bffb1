import type { Change } from './change.js';
import type { UploadOptions } from './options.js';
import type { ScheduleRef } from './schedules.js';

interface Lane {
  schedule: ScheduleRef;
  queue: Change[];
  busy: boolean;
  timer: NodeJS.Timeout | undefined;
  firstQueuedAt: number;
}

/**
 * Changes gathered per schedule into uploads. An upload leaves when no change has come for
 * `lingerMs`, or its first change has waited `maxWaitMs`, or it holds `maxAgents` agents. One
 * upload per schedule is in flight at a time (each bumps the schedule's version); changes that
 * arrive meanwhile form the next one. Each agent is in an upload once; a change marked `alone`
 * goes by itself; changes marked `retry` go first, together and with no others. These waits are on real time: they pace requests to a remote server.
 */
export class UploadQueue {
  readonly #lanes = new Map<string, Lane>();

  constructor(
    private readonly o: Pick<UploadOptions, 'lingerMs' | 'maxWaitMs' | 'maxAgents'>,
    private readonly upload: (schedule: ScheduleRef, batch: Change[]) => Promise<void>,
    private readonly onUnexpected: (err: unknown) => void,
  ) {}

  /** Queues a change for its schedule; `front` puts it before the others (a retry keeps its place). */
  add(schedule: ScheduleRef, change: Change, front = false): void {
    let lane = this.#lanes.get(schedule.id);
    if (!lane) {
      lane = { schedule, queue: [], busy: false, timer: undefined, firstQueuedAt: 0 };
      this.#lanes.set(schedule.id, lane);
    }
    if (lane.queue.length === 0) lane.firstQueuedAt = performance.now();
    if (front) lane.queue.unshift(change);
    else lane.queue.push(change);
    this.#arm(lane);
  }

  close(): void {
    for (const lane of this.#lanes.values()) if (lane.timer) clearTimeout(lane.timer);
  }

  #arm(lane: Lane): void {
    if (lane.busy || lane.queue.length === 0) return;
    if (lane.timer) clearTimeout(lane.timer);
    const users = new Set(lane.queue.flatMap((c) => c.users)).size;
    const waited = performance.now() - lane.firstQueuedAt;
    const delay =
      users >= this.o.maxAgents ? 0 : Math.max(0, Math.min(this.o.lingerMs, this.o.maxWaitMs - waited));
    lane.timer = setTimeout(() => {
      lane.timer = undefined;
      void this.#flush(lane);
    }, delay);
  }

  async #flush(lane: Lane): Promise<void> {
    if (lane.busy || lane.queue.length === 0) return;
    lane.busy = true;
    let batch: Change[] = [];
    try {
      batch = this.#take(lane);
      if (batch.length > 0) await this.upload(lane.schedule, batch);
    } catch (err) {
      // A bug, not a WFM answer: every change still waiting gets it, so none is left hanging.
      this.onUnexpected(err);
      for (const c of batch) c.reject(err);
    } finally {
      lane.busy = false;
      if (lane.queue.length > 0) {
        lane.firstQueuedAt = performance.now() - this.o.maxWaitMs;
        this.#arm(lane);
      }
    }
  }

  #take(lane: Lane): Change[] {
    const head = lane.queue[0]!;
    if (head.alone) return lane.queue.splice(0, 1);
    // Changes going again after losing to another change go together, and without the
    // changes that came meanwhile: those carry agents not read since, any of which may be
    // stale, and one stale agent fails an upload whole.
    const retry = head.retry;
    const taken: Change[] = [];
    const users = new Set<string>();
    const rest: Change[] = [];
    for (const c of lane.queue) {
      if (
        c.alone ||
        c.retry !== retry ||
        c.users.some((u) => users.has(u)) ||
        users.size + c.users.length > this.o.maxAgents
      ) {
        rest.push(c);
        continue;
      }
      for (const u of c.users) users.add(u);
      c.retry = false;
      taken.push(c);
    }
    lane.queue = rest;
    return taken;
  }
}
