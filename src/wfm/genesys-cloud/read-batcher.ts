import type { ScheduleRef } from './schedules.js';

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

interface Lane {
  schedule: ScheduleRef;
  waiting: Map<string, Waiter[]>;
  busy: boolean;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Fresh reads of single agents (a shift read again: after a conflict, a lock, a lost answer)
 * gathered per schedule: the agent schedule query takes many agents of a management unit at
 * once, so the agents asked for within `lingerMs` of each other, and those asked for while a
 * read is in flight, are read together — one query per unit instead of one per agent. A read
 * asked for while another is in flight waits for the next one: it must see what is there
 * after it was asked for. These waits are on real time: they pace requests to a remote server.
 */
export class ReadBatcher {
  readonly #lanes = new Map<string, Lane>();

  constructor(
    private readonly read: (schedule: ScheduleRef, users: string[]) => Promise<unknown>,
    private readonly lingerMs: number,
  ) {}

  /** Resolves once the agent's schedule has been read (and kept) after this call. */
  agent(schedule: ScheduleRef, userId: string, signal?: AbortSignal): Promise<void> {
    let lane = this.#lanes.get(schedule.id);
    if (!lane) {
      lane = { schedule, waiting: new Map(), busy: false, timer: undefined };
      this.#lanes.set(schedule.id, lane);
    }
    const l = lane;
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => reject(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener('abort', onAbort);
      const waiter: Waiter = {
        resolve: () => {
          done();
          resolve();
        },
        reject: (err) => {
          done();
          reject(err);
        },
      };
      l.waiting.set(userId, [...(l.waiting.get(userId) ?? []), waiter]);
      this.#arm(l);
    });
  }

  close(): void {
    for (const lane of this.#lanes.values()) if (lane.timer) clearTimeout(lane.timer);
  }

  #arm(lane: Lane): void {
    if (lane.busy || lane.timer || lane.waiting.size === 0) return;
    lane.timer = setTimeout(() => {
      lane.timer = undefined;
      void this.#flush(lane);
    }, this.lingerMs);
  }

  async #flush(lane: Lane): Promise<void> {
    if (lane.busy || lane.waiting.size === 0) return;
    lane.busy = true;
    const taken = lane.waiting;
    lane.waiting = new Map();
    try {
      await this.read(lane.schedule, [...taken.keys()]);
      for (const list of taken.values()) for (const w of list) w.resolve();
    } catch (err) {
      for (const list of taken.values()) for (const w of list) w.reject(err);
    } finally {
      lane.busy = false;
      this.#arm(lane);
    }
  }
}
