import type { Clock } from '../../time/clock.js';
import { parseInstant } from '../../time/instant.js';
import type { ReadOptions, ShiftQuery } from '../adapter.js';
import type { Agent, Shift } from '../contract.js';
import { WfmNotFoundError } from '../errors.js';
import { AgentCopies, shiftsOf } from './agent-copies.js';
import { queryUnit } from './agent-query.js';
import type { GenesysHttp } from './http.js';
import { LaterReads } from './later-reads.js';
import { type GenesysCloudWfmOptions, resultTopics, type UploadOptions } from './options.js';
import { Org } from './org.js';
import { ReadBatcher } from './read-batcher.js';
import { RescheduleRuns } from './reschedule-runs.js';
import { ChannelResultFeed } from './result-feed.js';
import { type AgentCopy, chooseSchedule, listSchedules, type ScheduleRef } from './schedules.js';

const DAY_MS = 86_400_000;
/** how many times one unit's query is asked when it fails with a server error or no answer */
const QUERY_ATTEMPTS = 3;

/**
 * What the backend knows of the org and how it reads it: the org discovered once, the schedule
 * each week is written through (listed at most every 30 s per week) with its version, the agent
 * copies, reschedule runs, and the notification channel that brings results and run changes.
 */
export class GenesysReads {
  readonly copies = new AgentCopies();
  readonly runs: RescheduleRuns;
  /** single agents read again, gathered per schedule into one query per unit */
  readonly #agentReads: ReadBatcher;
  /** agents out of date after a write, read with the next query of their unit */
  readonly #later: LaterReads;
  #org: Promise<Org> | undefined;
  #feed: ChannelResultFeed | undefined;
  #feedStarted: Promise<boolean> | undefined;
  readonly #schedules = new Map<string, ScheduleRef>();
  readonly #weekSchedule = new Map<string, { id: string | undefined; readAt: number }>();

  constructor(
    readonly http: GenesysHttp,
    private readonly o: GenesysCloudWfmOptions,
    private readonly u: UploadOptions,
    private readonly clock: Clock,
  ) {
    this.runs = new RescheduleRuns(http, o.businessUnitId, clock);
    this.#agentReads = new ReadBatcher((schedule, users) => this.read(schedule, users), u.lingerMs);
    this.#later = new LaterReads((schedule, users) => this.read(schedule, users), u.readBackLaterMs);
  }

  /** The org as discovered (BU zone and week start, units, codes); read once, warnings logged once. */
  org(): Promise<Org> {
    this.#org ??= Org.discover(
      this.http,
      this.o.businessUnitId,
      this.o.activityTypes ?? {},
      this.o.teams ?? { kind: 'teams-api' },
    )
      .then((org) => {
        for (const f of org.codes.fallbacks) {
          this.o.logger?.warn(
            { type: f.type, category: f.wanted.category, name: f.wanted.name },
            `the business unit has no active ${f.wanted.category} code named '${f.wanted.name}': '${f.type}' activities are written with the ${f.wanted.category} default code and read back as '${f.readsAs}'; add the code or map the type with wfm.genesysCloud.activityTypes`,
          );
        }
        for (const t of org.codes.missing()) {
          this.o.logger?.warn(
            { type: t },
            `the business unit has no active activity code for '${t}': changes that write '${t}' activities are rejected`,
          );
        }
        return org;
      })
      .catch((err) => {
        this.#org = undefined;
        throw err;
      });
    return this.#org;
  }

  async listAgents(query: { teamId?: string }, options: ReadOptions = {}): Promise<Agent[]> {
    const org = await this.org();
    if (query.teamId === undefined) {
      return [...org.units.values()]
        .flat()
        .map((id) => ({ id, name: id, teamId: org.teamOf(id), timeZone: org.zone }));
    }
    const members = await org.members(this.http, query.teamId, this.clock.now(), options.signal);
    return members.map((m) => ({ id: m.id, name: m.name, teamId: query.teamId!, timeZone: org.zone }));
  }

  async listShifts(query: ShiftQuery, options: ReadOptions = {}): Promise<Shift[]> {
    const org = await this.org();
    const now = this.clock.now();
    // Without bounds: from now through the next two weeks (what a writer's week re-read wants).
    const from = query.from !== undefined ? parseInstant(query.from) : now;
    const to = query.to !== undefined ? parseInstant(query.to) : from + 14 * DAY_MS;
    let users: string[];
    if (query.agentId !== undefined) users = [query.agentId];
    else if (query.teamId !== undefined)
      users = (await org.members(this.http, query.teamId, now, options.signal)).map((m) => m.id);
    else users = [...org.units.values()].flat();
    const schedules = new Map<string, ScheduleRef>();
    for (const week of org.weeksBetween(from, to)) {
      const schedule = await this.scheduleOf(week, options.signal);
      if (schedule) schedules.set(schedule.id, schedule);
    }
    const out = new Map<string, Shift>();
    for (const schedule of schedules.values()) {
      for (const copy of await this.read(schedule, users, options.signal)) {
        for (const s of shiftsOf(copy, org)) {
          if (parseInstant(s.start) < to && from < parseInstant(s.end) && !out.has(s.id)) out.set(s.id, s);
        }
      }
    }
    return [...out.values()].sort((a, b) => a.start.localeCompare(b.start) || a.id.localeCompare(b.id));
  }

  /** A shift read fresh: its agent's schedule queried again (with the other agents asked for meanwhile). */
  async getShift(shiftId: string, signal?: AbortSignal): Promise<Shift> {
    const org = await this.org();
    const id = this.copies.current(shiftId);
    // Never seen (a new process, an agent of another team): every agent read, once a minute at most.
    if (this.copies.home(id) === undefined) await this.#readEverywhere(signal);
    const home = this.copies.home(id);
    if (home === undefined) {
      throw new WfmNotFoundError(
        `shift '${shiftId}' is in no agent's schedule of this business unit's published schedules (those from last week to two weeks ahead, and those already read)`,
        { status: 404 },
      );
    }
    await this.#agentReads.agent(this.schedule(home.scheduleId), home.userId, signal);
    const found = this.copies.shift(home.scheduleId, home.userId, id, org);
    if (!found) {
      throw new WfmNotFoundError(
        `shift '${shiftId}' is no longer in agent '${home.userId}'s schedule ${home.scheduleId}`,
        { status: 404 },
      );
    }
    return found;
  }

  #nearWeeksReadAt = Number.NEGATIVE_INFINITY;

  /** Every agent of every unit in the near weeks' schedules and in each schedule already met (a plan's week may be another). */
  async #readEverywhere(signal?: AbortSignal): Promise<void> {
    const now = this.clock.now();
    if (now - this.#nearWeeksReadAt < 60_000) return;
    this.#nearWeeksReadAt = now;
    const org = await this.org();
    for (const week of org.weeksBetween(now - 7 * DAY_MS, now + 14 * DAY_MS))
      await this.scheduleOf(week, signal);
    const everyone = [...org.units.values()].flat();
    for (const schedule of [...this.#schedules.values()].filter((s) => s.published))
      await this.read(schedule, everyone, signal);
  }

  schedule(id: string): ScheduleRef {
    const s = this.#schedules.get(id);
    if (!s) throw new Error(`schedule ${id} was never listed`);
    return s;
  }

  /** The schedule a week is written through, listed at most every 30 s per week. */
  async scheduleOf(week: string, signal?: AbortSignal): Promise<ScheduleRef | undefined> {
    const org = await this.org();
    const known = this.#weekSchedule.get(week);
    if (known && this.clock.now() - known.readAt < 30_000)
      return known.id ? this.#schedules.get(known.id) : undefined;
    const list = await this.relist(week, signal);
    const chosen = chooseSchedule(list, week, org.zone);
    this.#weekSchedule.set(week, { id: chosen?.id, readAt: this.clock.now() });
    return chosen ? this.#schedules.get(chosen.id) : undefined;
  }

  /** Lists the schedules spanning a week again: their versions move on every write. */
  async relist(week: string, signal?: AbortSignal): Promise<ScheduleRef[]> {
    const list = await listSchedules(this.http, this.o.businessUnitId, week, signal);
    for (const s of list) this.#note(s.id, s);
    return list;
  }

  /** A schedule version heard or read: versions only grow. */
  #note(id: string, s: ScheduleRef | { version: number }): void {
    const known = this.#schedules.get(id);
    if (known) known.version = Math.max(known.version, s.version);
    else if ('weekDate' in s) this.#schedules.set(id, { ...s });
  }

  noteVersion(scheduleId: string, version: number): void {
    this.#note(scheduleId, { version });
  }

  /**
   * Reads agents' schedules (one query per management unit), keeps the copies and returns
   * those asked for. The agents waiting to be read after a write (`readLater`) in the units
   * queried join the query.
   */
  async read(schedule: ScheduleRef, users: string[], signal?: AbortSignal): Promise<AgentCopy[]> {
    const org = await this.org();
    const units = new Set(users.flatMap((u) => org.unitOf(u) ?? []));
    const joined = this.#later.join(schedule.id, units);
    const asked = new Set(users);
    const byUnit = new Map<string, string[]>();
    for (const u of new Set([...users, ...joined.users])) {
      const mu = org.unitOf(u);
      if (mu) byUnit.set(mu, [...(byUnit.get(mu) ?? []), u]);
    }
    const feed = await this.feed();
    // Each unit's query stands on its own: one that fails is asked again alone, and the
    // copies the others brought are kept even when it fails for good.
    const answers = await Promise.allSettled(
      [...byUnit].map(([managementUnitId, userIds]) =>
        queryUnit(
          this.http,
          {
            businessUnitId: this.o.businessUnitId,
            schedule,
            managementUnitId,
            userIds,
            ...(signal ? { signal } : {}),
          },
          {
            ...(feed ? { feed } : {}),
            asyncWaitMs: this.u.queryAsyncWaitMs,
            maxSplits: 4,
            attempts: QUERY_ATTEMPTS,
          },
        ),
      ),
    );
    const copies = answers.flatMap((a) => (a.status === 'fulfilled' ? a.value : []));
    const failed = answers.find((a): a is PromiseRejectedResult => a.status === 'rejected');
    if (failed) {
      for (const c of copies) this.copies.keep(c, org);
      joined.settle(failed.reason);
      throw failed.reason;
    }
    for (const c of copies) this.copies.keep(c, org);
    // A joined agent no longer in the schedule: its copy goes (its writes cannot land there).
    const present = new Set(copies.map((c) => c.userId));
    for (const u of joined.users) if (!present.has(u)) this.copies.delete(schedule.id, u);
    joined.settle();
    return copies.filter((c) => asked.has(c.userId));
  }

  /**
   * Resolves once these agents have been read again: with the next query of their schedule and
   * unit, or on their own after `readBackLaterMs`. Until then `unread` says so.
   */
  readLater(schedule: ScheduleRef, users: string[]): Promise<void> {
    return this.org().then((org) =>
      this.#later.wait(
        schedule,
        users.flatMap((id) => {
          const unit = org.unitOf(id);
          return unit ? [{ id, unit }] : [];
        }),
      ),
    );
  }

  /** Whether an agent's copy is missing, or out of date and waiting to be read. */
  unread(scheduleId: string, userId: string): boolean {
    return !this.copies.has(scheduleId, userId) || this.#later.waiting(scheduleId, userId);
  }

  /** The result channel, opened once; undefined (results settled by re-reading) when it cannot be opened. */
  feed(): Promise<ChannelResultFeed | undefined> {
    if (this.o.notifications === false) return Promise.resolve(undefined);
    this.#feedStarted ??= (async () => {
      const topics = resultTopics(this.o.businessUnitId, this.o.clientId);
      this.#feed = new ChannelResultFeed(
        this.http,
        // The query topic may be refused to a client-credentials token: large sets are then halved (agent-query.ts).
        [topics.schedules, topics.runs, topics.query],
        {
          onScheduleUpdate: (body) => {
            const r = (body as { result?: { id?: unknown; metadata?: { version?: unknown } } })?.result;
            if (typeof r?.id === 'string' && typeof r.metadata?.version === 'number')
              this.noteVersion(r.id, r.metadata.version);
          },
          onRun: (body) => this.runs.heard(body),
        },
        this.o.logger,
      );
      try {
        await this.#feed.start();
        await this.runs.read();
        return true;
      } catch (err) {
        this.o.logger?.warn(
          { err: { message: this.http.redact((err as Error).message) } },
          'Genesys Cloud notification channel could not be opened; write results are settled by re-reading the agents',
        );
        return false;
      }
    })();
    return this.#feedStarted.then((ok) => (ok ? this.#feed : undefined));
  }

  async close(): Promise<void> {
    this.#agentReads.close();
    this.#later.close();
    await this.#feed?.close();
  }
}
