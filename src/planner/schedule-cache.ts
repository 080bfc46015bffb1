import type { Clock } from '../time/clock.js';
import { DAY_MS, toWire } from '../time/instant.js';
import type { ScheduleSource } from '../wfm/adapter.js';
import type { Agent } from '../wfm/contract.js';
import {
  checkScheduleReadOptions,
  readWithinBudget,
  SCHEDULE_READ_DEFAULTS,
  type ScheduleReadOptions,
} from './schedule-read.js';
import { toViewShift, type ViewShift } from './schedule-view.js';

export const SCHEDULE_CACHE_DEFAULTS = {
  /** how long a team's shifts are reused before they are read again, milliseconds (wall clock) */
  ttlMs: 60_000,
  /**
   * the span read around an intent's event time (from its UTC day): candidates lie within
   * a day of it (the rules schema caps every look-ahead at 1d), shifts are at most a day
   * long, and the rest check looks up to 48h (the largest minRest) beyond them
   */
  behindMs: 3 * DAY_MS,
  aheadMs: 4 * DAY_MS,
} as const;

export interface ScheduleCacheOptions {
  /** how long a copy is reused, milliseconds (default SCHEDULE_CACHE_DEFAULTS.ttlMs) */
  ttlMs?: number;
  /** each read's attempt timeout, budget and pauses (default SCHEDULE_READ_DEFAULTS) */
  read?: Partial<ScheduleReadOptions>;
  /** uniform in [0, 1): the jitter of the pauses between attempts (default Math.random) */
  random?: () => number;
}

interface Entry<T> {
  value: Promise<T>;
  loadedAt: number;
  /** the read succeeded: the copy may serve while a fresh one loads */
  settled: boolean;
}

/**
 * Team schedules read through the WFM adapter, cached per team and UTC day bucket with
 * a TTL on the injected clock. The TTL only decides how fresh a copy is; what the
 * planner decides from a copy depends on event time alone. Past the TTL a copy still
 * answers while its refresh loads (stale-while-revalidate). `invalidate` drops a team
 * (or everything) — the writer calls it after a conflict shows the copy is stale.
 * One cache serves every planner of a process (`PlannerOptions.cache`).
 *
 * Each read is bounded (schedule-read.ts): an attempt is abandoned after
 * `readTimeoutMs` and retried after a jittered pause until `readBudgetMs` is spent. Every
 * intent that needs a team's copy while it loads waits on the same read.
 */
export class ScheduleCache {
  private readonly shifts = new Map<string, Entry<ViewShift[]>>();
  private readonly agents = new Map<string, Entry<Agent[]>>();
  private readonly ttlMs: number;
  private readonly read: ScheduleReadOptions;
  private readonly random: () => number;
  private readonly stopping = new AbortController();
  readonly stats = { reads: 0, hits: 0 };

  constructor(
    private readonly source: ScheduleSource,
    private readonly clock: Clock,
    options: ScheduleCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? SCHEDULE_CACHE_DEFAULTS.ttlMs;
    this.read = { ...SCHEDULE_READ_DEFAULTS, ...options.read };
    checkScheduleReadOptions(this.read);
    this.random = options.random ?? Math.random;
  }

  async teamShifts(teamId: string, eventTime: number): Promise<ViewShift[]> {
    const bucket = Math.floor(eventTime / DAY_MS) * DAY_MS;
    const query = {
      teamId,
      from: toWire(bucket - SCHEDULE_CACHE_DEFAULTS.behindMs),
      to: toWire(bucket + SCHEDULE_CACHE_DEFAULTS.aheadMs),
    };
    return this.get(this.shifts, `${teamId}|${bucket}`, async () => {
      const list = await this.bounded(
        `the shifts of team '${teamId}' from ${query.from} to ${query.to}`,
        (signal) => this.source.listShifts(query, { signal }),
      );
      return list.map(toViewShift);
    });
  }

  async teamAgents(teamId: string): Promise<Agent[]> {
    return this.get(this.agents, teamId, () =>
      this.bounded(`the agents of team '${teamId}'`, (signal) =>
        this.source.listAgents({ teamId }, { signal }),
      ),
    );
  }

  /**
   * The process is stopping: reads in flight finish the attempt they are in and are not
   * tried again (nor are later ones), so a stopping stage waits `readTimeoutMs` at most.
   */
  stop(): void {
    this.stopping.abort();
  }

  invalidate(teamId?: string): void {
    if (teamId === undefined) {
      this.shifts.clear();
      this.agents.clear();
      return;
    }
    for (const k of [...this.shifts.keys()]) if (k.startsWith(`${teamId}|`)) this.shifts.delete(k);
    this.agents.delete(teamId);
  }

  /**
   * Reads the teams' schedules around `eventTime` ahead of need, so the first intent of a
   * team (after a start, or past a UTC day boundary) does not wait on a WFM read of the
   * whole team. Failures are left for the intent that needs the data to report.
   */
  prefetch(teamIds: Iterable<string>, eventTime: number): void {
    for (const team of teamIds) {
      this.teamShifts(team, eventTime).catch(() => {});
      this.teamAgents(team).catch(() => {});
    }
  }

  private bounded<T>(what: string, attempt: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return readWithinBudget(what, attempt, this.read, {
      clock: this.clock,
      random: this.random,
      stop: this.stopping.signal,
    });
  }

  private get<T>(map: Map<string, Entry<T>>, key: string, load: () => Promise<T>): Promise<T> {
    const now = this.clock.now();
    const hit = map.get(key);
    if (hit && now - hit.loadedAt < this.ttlMs) {
      this.stats.hits++;
      return hit.value;
    }
    this.stats.reads++;
    const value = load();
    if (hit?.settled) {
      // stale but good: answer with it while a fresh copy loads, so no intent waits on the
      // refresh (the writer re-reads on a conflict anyway); the fresh copy replaces it once in
      const refreshing: Entry<T> = { value: hit.value, loadedAt: now, settled: true };
      map.set(key, refreshing);
      value.then(
        () => {
          if (map.get(key) === refreshing) map.set(key, { value, loadedAt: this.clock.now(), settled: true });
        },
        () => {
          // keep the stale copy; the next call after the TTL tries again
          if (map.get(key) === refreshing) map.set(key, { ...hit, loadedAt: hit.loadedAt });
        },
      );
      return hit.value;
    }
    const entry: Entry<T> = { value, loadedAt: now, settled: false };
    map.set(key, entry);
    value.then(
      () => {
        entry.settled = true;
      },
      // a failed read must not be cached
      () => {
        if (map.get(key) === entry) map.delete(key);
      },
    );
    return value;
  }
}
