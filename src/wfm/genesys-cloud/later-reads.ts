import { WfmError } from '../errors.js';
import type { ScheduleRef } from './schedules.js';

/** How many failed queries a waiting agent sits through before its waiters are given the error. */
const ATTEMPTS = 4;
/** After a failed query, the first pause before the agents are asked for on their own (doubling). */
const PAUSE_MS = 250;

interface Waiting {
  unit: string;
  failures: number;
  waiters: Array<{ resolve(): void; reject(err: unknown): void }>;
}

interface Lane {
  schedule: ScheduleRef;
  users: Map<string, Waiting>;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Agents whose copies are out of date after a write whose result does not say what they now
 * hold (a swap re-creates its shifts under ids only Genesys knows). The agent schedule query
 * is one per management unit whatever the number of users it names, so such agents are read
 * with the next query of their schedule and unit, at no cost, or on their own once `afterMs`
 * has passed without one. Until then they count as unread: an upload touching one reads it
 * first. These waits are on real time: they pace requests to a remote server.
 */
export class LaterReads {
  readonly #lanes = new Map<string, Lane>();

  constructor(
    private readonly readAlone: (schedule: ScheduleRef, users: string[]) => Promise<unknown>,
    private readonly afterMs: number,
  ) {}

  /** Resolves once each of these agents (with its unit) has been read after this call. */
  wait(schedule: ScheduleRef, users: ReadonlyArray<{ id: string; unit: string }>): Promise<void> {
    let lane = this.#lanes.get(schedule.id);
    if (!lane) {
      lane = { schedule, users: new Map(), timer: undefined };
      this.#lanes.set(schedule.id, lane);
    }
    const l = lane;
    const each = users.map(
      (u) =>
        new Promise<void>((resolve, reject) => {
          const w = l.users.get(u.id) ?? { unit: u.unit, failures: 0, waiters: [] };
          w.waiters.push({ resolve, reject });
          l.users.set(u.id, w);
        }),
    );
    this.#arm(l, this.afterMs);
    return Promise.all(each).then(() => undefined);
  }

  /** Whether an agent's copy waits to be read. */
  waiting(scheduleId: string, userId: string): boolean {
    return this.#lanes.get(scheduleId)?.users.has(userId) ?? false;
  }

  /**
   * The agents waiting in these units of a schedule, taken to join a query about to be asked;
   * `settle` tells how it went.
   */
  join(scheduleId: string, units: ReadonlySet<string>): { users: string[]; settle(err?: unknown): void } {
    const lane = this.#lanes.get(scheduleId);
    const taken = new Map<string, Waiting>();
    if (lane) {
      for (const [u, w] of lane.users) if (units.has(w.unit)) taken.set(u, w);
      for (const u of taken.keys()) lane.users.delete(u);
    }
    return {
      users: [...taken.keys()],
      settle: (err?: unknown) => {
        if (taken.size === 0) return;
        if (err === undefined) {
          for (const w of taken.values()) for (const x of w.waiters) x.resolve();
          return;
        }
        if (!lane) return;
        let failures = 0;
        for (const [u, w] of taken) {
          w.failures++;
          if (w.failures >= ATTEMPTS || !(err instanceof WfmError) || !err.retriable) {
            for (const x of w.waiters) x.reject(err);
            continue;
          }
          failures = Math.max(failures, w.failures);
          // A newer wait for the same agent keeps its place; these waiters join it.
          const now = lane.users.get(u);
          if (now) now.waiters.push(...w.waiters);
          else lane.users.set(u, w);
        }
        if (failures > 0) this.#arm(lane, PAUSE_MS * 2 ** (failures - 1), true);
      },
    };
  }

  /** Stops the timers; agents still waiting give their waiters a clear error rather than none. */
  close(): void {
    for (const lane of this.#lanes.values()) {
      if (lane.timer) clearTimeout(lane.timer);
      lane.timer = undefined;
      const err = new Error(
        `the Genesys Cloud backend closed before ${lane.users.size} agent(s) of schedule ${lane.schedule.id} were read back after a write`,
      );
      for (const w of lane.users.values()) for (const x of w.waiters) x.reject(err);
      lane.users.clear();
    }
  }

  #arm(lane: Lane, ms: number, sooner = false): void {
    if (lane.timer && !sooner) return;
    if (lane.timer) clearTimeout(lane.timer);
    lane.timer = setTimeout(() => {
      lane.timer = undefined;
      if (lane.users.size === 0) return;
      // The query joins every waiting agent of the units it asks for (GenesysReads.read).
      // A failed query puts its agents back and arms a retry (join); one that failed before
      // asking leaves them waiting for the next try.
      this.readAlone(lane.schedule, [...lane.users.keys()]).catch(() => {
        if (lane.users.size > 0) this.#arm(lane, this.afterMs);
      });
    }, ms);
  }
}
