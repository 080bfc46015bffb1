import { setTimeout as delay } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import type { Logger } from 'pino';
import { type Clock, systemClock } from '../../time/clock.js';
import { parseInstant, toWire } from '../../time/instant.js';
import { openWindowAt, type PublishWindow } from '../../time/publish-window.js';
import type { ReadOptions, ShiftQuery, WfmAdapter, WriteOptions, WriteTraits } from '../adapter.js';
import type { ActivityType, Agent, Shift, ShiftPatch, SwapItem, SwapResult } from '../contract.js';
import {
  WfmError,
  WfmNotFoundError,
  WfmScheduleConflictError,
  WfmScheduleLockedError,
  WfmServerError,
  WfmValidationError,
  WfmVersionConflictError,
} from '../errors.js';
import type { RequestGate } from '../http-client.js';
import { ActivityCodeError, type TypePlacement } from './activity-codes.js';
import { queryAgents } from './agent-query.js';
import { GenesysHttp, type GenesysRequestEvent } from './http.js';
import { Org, type TeamSource, WFM_PATH } from './org.js';
import { ChannelResultFeed } from './result-feed.js';
import { type AgentCopy, chooseSchedule, listSchedules, type ScheduleRef } from './schedules.js';
import { changedShift, type GenesysShift, toShift, type UploadShift, unchangedShift } from './shift-map.js';

export interface GenesysCloudWfmOptions {
  /** `https://api.{region}` (e.g. api.mypurecloud.com) */
  apiBaseUrl: string;
  /** `https://login.{region}` */
  loginBaseUrl: string;
  businessUnitId: string;
  clientId: string;
  clientSecret: string;
  clock?: Clock;
  /** the shared budget (300 requests a minute per token, split between instances) */
  gate?: RequestGate;
  logger?: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  onRequest?: (event: GenesysRequestEvent) => void;
  teams?: TeamSource;
  /** where the project's activity types live among the BU's codes (category, and a name for a non-default one) */
  activityTypes?: Partial<Record<ActivityType, TypePlacement>>;
  /** the org's publish window: an `Error` at unchanged versions inside it is the week being published */
  publishWindow?: PublishWindow;
  uploads?: Partial<UploadOptions>;
  /** open a notification channel for results (default); false: every result is settled by re-reading */
  notifications?: boolean;
}

export interface UploadOptions {
  /** an upload goes once no change has arrived for this long… */
  lingerMs: number;
  /** …or once its first change has waited this long */
  maxWaitMs: number;
  /** agents in one upload */
  maxAgents: number;
  /** Genesys' request.bytes.max: the gzip body must stay under it */
  maxBytes: number;
  /** how long a job's result is awaited on the notification channel before the agents are re-read */
  resultTimeoutMs: number;
  /** after an `/update` whose answer was lost, how long to let its job run before re-reading */
  unknownSettleMs: number;
  /** how long a `Processing` query's announcement is awaited before the set is halved */
  queryAsyncWaitMs: number;
  /** how long a reschedule run in progress defers a write before it is tried again */
  runLockRetryMs: number;
  /** internal re-uploads of one change (a schedule version moved under it, a failed upload bisected) */
  maxRounds: number;
}

export const DEFAULT_UPLOAD_OPTIONS: UploadOptions = {
  lingerMs: 40,
  maxWaitMs: 400,
  maxAgents: 250,
  maxBytes: 512_000,
  resultTimeoutMs: 30_000,
  unknownSettleMs: 2_000,
  queryAsyncWaitMs: 10_000,
  runLockRetryMs: 60_000,
  maxRounds: 6,
};

/** One change waiting for an upload: a shift update, or a swap touching two agents. */
interface Change {
  users: string[];
  update?: { shiftId: string; userId: string; patch: ShiftPatch };
  swap?: { item: SwapItem; a: string; b: string };
  /** the agent versions it was uploaded against */
  sent: Map<string, number>;
  /** each agent's shifts as uploaded: a lost answer is settled by finding them in place */
  uploaded: Map<string, UploadShift[]>;
  rounds: number;
  /** a failed upload is bisected: a change marked alone goes in an upload by itself */
  alone: boolean;
  resolve(value: Shift | SwapResult): void;
  reject(err: unknown): void;
}

interface Lane {
  schedule: ScheduleRef;
  queue: Change[];
  busy: boolean;
  timer: NodeJS.Timeout | undefined;
  firstQueuedAt: number;
}

interface ActiveRun {
  scheduleId: string | undefined;
  managementUnitIds: string[];
}

export interface GenesysWriteStats {
  uploads: number;
  uploadsFailed: number;
  resultsTimedOut: number;
  changesRequeued: number;
  changesBisected: number;
  agentsPerUpload: number[];
}

const key = (scheduleId: string, userId: string) => `${scheduleId}|${userId}`;

/**
 * Genesys Cloud WFM behind the project's WFM port.
 *
 * Reads go through the BU's published schedules and the agent schedule query; each shift
 * carries its agent's version in that schedule (`Shift.version`) and the week it falls in.
 * Writes are gathered per schedule into one upload of many agents (gzip under the request
 * limit): `uploadurl` → PUT → `/update` → the result announced on the BU's schedules topic,
 * matched by operationId, or settled by re-reading the agents when none comes in time. One
 * upload per schedule is in flight at a time (each bumps the schedule's version); changes
 * arriving meanwhile form the next one. Every agent an upload touches is sent whole (each of
 * its shifts), with its version; the changed shift with its activities and
 * `manuallyEdited: true`.
 *
 * The port's promises hold per change: a write resolves with the shift as written (read back),
 * or rejects with the error the writer handles — a version conflict with the fresh shift, a
 * lock (publish, reschedule run) to defer through, a bare conflict for the writer to diagnose.
 * Genesys has no idempotency keys; the versions are what make a repeat fail instead of
 * applying twice, and a conflict found while settling a lost answer says so (`mayHaveLanded`).
 */
export class GenesysCloudWfm implements WfmAdapter {
  readonly writes: WriteTraits = { unit: 'agent-schedule', batched: true, idempotencyKeys: false };
  readonly http: GenesysHttp;
  readonly #o: GenesysCloudWfmOptions;
  readonly #u: UploadOptions;
  readonly #clock: Clock;
  #org: Promise<Org> | undefined;
  #feed: ChannelResultFeed | undefined;
  #feedStarted: Promise<boolean> | undefined;
  readonly #schedules = new Map<string, ScheduleRef>();
  readonly #weekSchedule = new Map<string, { id: string | undefined; readAt: number }>();
  readonly #copies = new Map<string, AgentCopy>();
  readonly #shiftHome = new Map<string, string>();
  readonly #moved = new Map<string, string>();
  readonly #lanes = new Map<string, Lane>();
  readonly #runs = new Map<string, ActiveRun>();
  readonly #listeners: Array<(shifts: Shift[]) => void> = [];
  readonly stats: GenesysWriteStats = {
    uploads: 0,
    uploadsFailed: 0,
    resultsTimedOut: 0,
    changesRequeued: 0,
    changesBisected: 0,
    agentsPerUpload: [],
  };

  constructor(o: GenesysCloudWfmOptions) {
    this.#o = o;
    this.#u = { ...DEFAULT_UPLOAD_OPTIONS, ...o.uploads };
    this.#clock = o.clock ?? systemClock;
    this.http = new GenesysHttp({
      apiBaseUrl: o.apiBaseUrl,
      loginBaseUrl: o.loginBaseUrl,
      clientId: o.clientId,
      clientSecret: o.clientSecret,
      clock: this.#clock,
      ...(o.gate ? { gate: o.gate } : {}),
      ...(o.logger ? { logger: o.logger } : {}),
      ...(o.onRequest ? { onRequest: o.onRequest } : {}),
    });
  }

  /** The org as discovered (BU zone and week start, units, codes); read once. */
  org(): Promise<Org> {
    this.#org ??= Org.discover(
      this.http,
      this.#o.businessUnitId,
      this.#o.activityTypes ?? {},
      this.#o.teams ?? { kind: 'teams-api' },
    )
      .then((org) => {
        for (const f of org.codes.fallbacks) {
          this.#o.logger?.warn(
            { type: f.type, category: f.wanted.category, name: f.wanted.name },
            `the business unit has no active ${f.wanted.category} code named '${f.wanted.name}': '${f.type}' activities are written with the ${f.wanted.category} default code and read back as '${f.readsAs}'; add the code or map the type with wfm.genesysCloud.activityTypes`,
          );
        }
        for (const t of org.codes.missing()) {
          this.#o.logger?.warn(
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

  observeShifts(listener: (shifts: Shift[]) => void): void {
    this.#listeners.push(listener);
  }

  async close(): Promise<void> {
    for (const lane of this.#lanes.values()) if (lane.timer) clearTimeout(lane.timer);
    await this.#feed?.close();
    await this.http.close();
  }

  // ─── reads ───────────────────────────────────────────────────────────────────────────────

  async listAgents(query: { teamId?: string }, options: ReadOptions = {}): Promise<Agent[]> {
    const org = await this.org();
    if (query.teamId === undefined) {
      return [...org.units.values()]
        .flat()
        .map((id) => ({ id, name: id, teamId: org.teamOf(id), timeZone: org.zone }));
    }
    const members = await org.members(this.http, query.teamId, this.#clock.now(), options.signal);
    return members.map((m) => ({ id: m.id, name: m.name, teamId: query.teamId!, timeZone: org.zone }));
  }

  async listShifts(query: ShiftQuery, options: ReadOptions = {}): Promise<Shift[]> {
    const org = await this.org();
    const now = this.#clock.now();
    // Without bounds: from now through the next two weeks (what a writer's week re-read wants).
    const from = query.from !== undefined ? parseInstant(query.from) : now;
    const to = query.to !== undefined ? parseInstant(query.to) : from + 14 * 86_400_000;
    let users: string[];
    if (query.agentId !== undefined) users = [query.agentId];
    else if (query.teamId !== undefined)
      users = (await org.members(this.http, query.teamId, now, options.signal)).map((m) => m.id);
    else users = [...org.units.values()].flat();
    const out: Shift[] = [];
    const seen = new Set<string>();
    const scheduleIds = new Set<string>();
    for (const week of org.weeksBetween(from, to)) {
      const schedule = await this.#scheduleOf(week, options.signal);
      if (schedule) scheduleIds.add(schedule.id);
    }
    for (const id of scheduleIds) {
      const schedule = this.#schedules.get(id)!;
      for (const copy of await this.#read(schedule, users, options.signal)) {
        for (const s of this.#shiftsOf(copy, org)) {
          const start = parseInstant(s.start);
          const end = parseInstant(s.end);
          if (start < to && from < end && !seen.has(s.id)) {
            seen.add(s.id);
            out.push(s);
          }
        }
      }
    }
    return out.sort((a, b) => a.start.localeCompare(b.start) || a.id.localeCompare(b.id));
  }

  async getShift(shiftId: string, signal?: AbortSignal): Promise<Shift> {
    const org = await this.org();
    const id = this.#current(shiftId);
    const home = this.#shiftHome.get(id);
    if (home === undefined) {
      throw new WfmNotFoundError(
        `shift '${shiftId}' has not been seen in a read of this business unit's published schedules; list the agent's or team's shifts first`,
        { status: 404 },
      );
    }
    const [scheduleId, userId] = home.split('|') as [string, string];
    const schedule = this.#schedules.get(scheduleId)!;
    const [copy] = await this.#read(schedule, [userId], signal);
    const found = copy && this.#shiftsOf(copy, org).find((s) => s.id === id);
    if (!found) {
      throw new WfmNotFoundError(
        `shift '${shiftId}' is no longer in agent '${userId}'s schedule ${scheduleId}`,
        {
          status: 404,
        },
      );
    }
    return found;
  }

  /** The schedule a week is written through, listed at most every 30 s per week. */
  async #scheduleOf(week: string, signal?: AbortSignal): Promise<ScheduleRef | undefined> {
    const org = await this.org();
    const known = this.#weekSchedule.get(week);
    if (known && this.#clock.now() - known.readAt < 30_000)
      return known.id ? this.#schedules.get(known.id) : undefined;
    const list = await listSchedules(this.http, this.#o.businessUnitId, week, signal);
    for (const s of list) this.#noteSchedule(s);
    const chosen = chooseSchedule(list, week, org.zone);
    this.#weekSchedule.set(week, { id: chosen?.id, readAt: this.#clock.now() });
    return chosen ? this.#schedules.get(chosen.id) : undefined;
  }

  #noteSchedule(s: ScheduleRef): void {
    const known = this.#schedules.get(s.id);
    if (!known) this.#schedules.set(s.id, { ...s });
    else known.version = Math.max(known.version, s.version);
  }

  /** Reads agents' schedules (one query per management unit) and keeps the copies. */
  async #read(schedule: ScheduleRef, users: string[], signal?: AbortSignal): Promise<AgentCopy[]> {
    const org = await this.org();
    const byUnit = new Map<string, string[]>();
    for (const u of users) {
      const mu = org.unitOf(u);
      if (mu) byUnit.set(mu, [...(byUnit.get(mu) ?? []), u]);
    }
    const feed = await this.#startFeed();
    const parts = await Promise.all(
      [...byUnit].map(([managementUnitId, userIds]) =>
        queryAgents(
          this.http,
          {
            businessUnitId: this.#o.businessUnitId,
            schedule,
            managementUnitId,
            userIds,
            ...(signal ? { signal } : {}),
          },
          {
            ...(feed ? { feed } : {}),
            asyncWaitMs: this.#u.queryAsyncWaitMs,
            maxSplits: 4,
          },
        ),
      ),
    );
    const copies = parts.flat();
    for (const c of copies) this.#keep(c, org);
    return copies;
  }

  #keep(copy: AgentCopy, org: Org): void {
    const k = key(copy.scheduleId, copy.userId);
    const known = this.#copies.get(k);
    if (known && known.version > copy.version) return;
    this.#copies.set(k, copy);
    for (const s of copy.shifts) this.#shiftHome.set(s.id, k);
    if (this.#listeners.length > 0) {
      const shifts = this.#shiftsOf(copy, org);
      for (const l of this.#listeners) l(shifts);
    }
  }

  #shiftsOf(copy: AgentCopy, org: Org): Shift[] {
    const ctx = {
      agentId: copy.userId,
      teamId: org.teamOf(copy.userId),
      version: copy.version,
      weekOf: (ms: number) => org.weekOf(ms),
      updatedAt: copy.updatedAt,
      updatedBy: copy.updatedBy,
    };
    return copy.shifts.map((g) => toShift(g, ctx, org.codes));
  }

  /** A shift id as it is now: a swap re-creates a shift under a new id with its new owner. */
  #current(shiftId: string): string {
    let id = shiftId;
    for (let i = 0; i < 8 && this.#moved.has(id); i++) id = this.#moved.get(id)!;
    return id;
  }

  // ─── notifications ───────────────────────────────────────────────────────────────────────

  /** Opens the result channel once; false (and results settled by re-reading) when it cannot be opened. */
  #startFeed(): Promise<ChannelResultFeed | undefined> {
    if (this.#o.notifications === false) return Promise.resolve(undefined);
    this.#feedStarted ??= (async () => {
      const bu = this.#o.businessUnitId;
      this.#feed = new ChannelResultFeed(
        this.http,
        [
          `v2.workforcemanagement.businessunits.${bu}.schedules`,
          `v2.workforcemanagement.businessunits.${bu}.scheduling.runs`,
          // Where a Processing query is announced; a client-credentials token may be refused it
          // (then large sets are halved instead: agent-query.ts).
          `v2.workforcemanagement.users.${this.#o.clientId}.schedules.query`,
        ],
        {
          onScheduleUpdate: (body) => this.#scheduleUpdate(body),
          onRun: (body) => this.#runUpdate(body),
        },
        this.#o.logger,
      );
      try {
        await this.#feed.start();
        await this.#readRuns();
        return true;
      } catch (err) {
        this.#o.logger?.warn(
          { err: { message: this.http.redact((err as Error).message) } },
          'Genesys Cloud notification channel could not be opened; write results are settled by re-reading the agents',
        );
        return false;
      }
    })();
    return this.#feedStarted.then((ok) => (ok ? this.#feed : undefined));
  }

  #scheduleUpdate(body: unknown): void {
    const r = (body as { result?: { id?: unknown; metadata?: { version?: unknown } } })?.result;
    if (typeof r?.id !== 'string' || typeof r.metadata?.version !== 'number') return;
    const known = this.#schedules.get(r.id);
    if (known) known.version = Math.max(known.version, r.metadata.version);
  }

  #runUpdate(body: unknown): void {
    const r = (body as { result?: Record<string, unknown> })?.result;
    if (!r || typeof r.id !== 'string') return;
    this.#noteRun(r);
  }

  #noteRun(r: Record<string, unknown>): void {
    const id = String(r.id);
    const state = r.state;
    if (r.intradayRescheduling === true && (state === 'Queued' || state === 'Scheduling')) {
      const options = r.reschedulingOptions as
        | {
            existingSchedule?: { id?: unknown };
            managementUnits?: Array<{ managementUnit?: { id?: unknown } }>;
          }
        | undefined;
      const scheduleRef = (r.schedule as { id?: unknown } | undefined)?.id ?? options?.existingSchedule?.id;
      this.#runs.set(id, {
        scheduleId: typeof scheduleRef === 'string' ? scheduleRef : undefined,
        managementUnitIds: (options?.managementUnits ?? [])
          .map((m) => m.managementUnit?.id)
          .filter((m): m is string => typeof m === 'string'),
      });
    } else this.#runs.delete(id);
  }

  async #readRuns(): Promise<void> {
    const body = (await this.http.api({
      method: 'GET',
      path: `${WFM_PATH}/businessunits/${encodeURIComponent(this.#o.businessUnitId)}/scheduling/runs`,
    })) as { entities?: Array<Record<string, unknown>> };
    this.#runs.clear();
    for (const r of body?.entities ?? []) this.#noteRun(r);
  }

  /** A reschedule run in progress over any of these users' units in this schedule. */
  #runOver(scheduleId: string, users: string[], org: Org): boolean {
    const units = new Set(users.map((u) => org.unitOf(u)));
    for (const run of this.#runs.values()) {
      if (run.scheduleId !== undefined && run.scheduleId !== scheduleId) continue;
      if (run.managementUnitIds.length === 0 || run.managementUnitIds.some((m) => units.has(m))) return true;
    }
    return false;
  }

  // ─── writes ──────────────────────────────────────────────────────────────────────────────

  async patchShift(shiftId: string, patch: ShiftPatch, _options: WriteOptions): Promise<Shift> {
    await this.org();
    const id = this.#current(shiftId);
    const home = this.#shiftHome.get(id);
    if (home === undefined) await this.getShift(id);
    const [scheduleId, userId] = this.#shiftHome.get(id)!.split('|') as [string, string];
    if (patch.agentId !== undefined && patch.agentId !== userId) {
      throw new WfmValidationError(
        `moving shift '${shiftId}' to another agent is a swap on this WFM (a delete and an add in one upload), not an update`,
      );
    }
    return (await this.#enqueue(scheduleId, {
      users: [userId],
      update: { shiftId: id, userId, patch },
    })) as Shift;
  }

  async swapShifts(swaps: SwapItem[], _options: WriteOptions): Promise<SwapResult[]> {
    return Promise.all(
      swaps.map(async (item): Promise<SwapResult> => {
        const a = this.#current(item.a.shiftId);
        const b = this.#current(item.b.shiftId);
        for (const id of [a, b]) if (!this.#shiftHome.has(id)) await this.getShift(id).catch(() => undefined);
        const ha = this.#shiftHome.get(a);
        const hb = this.#shiftHome.get(b);
        if (!ha || !hb)
          return failed(
            item.swapId,
            'NOT_FOUND',
            `shift '${ha ? item.b.shiftId : item.a.shiftId}' was not found`,
          );
        const [sa, ua] = ha.split('|') as [string, string];
        const [sb, ub] = hb.split('|') as [string, string];
        if (sa !== sb) {
          return failed(
            item.swapId,
            'VALIDATION_ERROR',
            `shifts '${item.a.shiftId}' and '${item.b.shiftId}' are in different schedules (${sa}, ${sb}); one upload cannot swap them atomically`,
          );
        }
        if (ua === ub) return failed(item.swapId, 'VALIDATION_ERROR', 'both shifts belong to the same agent');
        return (await this.#enqueue(sa, {
          users: [ua, ub],
          swap: {
            item: { ...item, a: { ...item.a, shiftId: a }, b: { ...item.b, shiftId: b } },
            a: ua,
            b: ub,
          },
        })) as SwapResult;
      }),
    );
  }

  #enqueue(scheduleId: string, c: Pick<Change, 'users' | 'update' | 'swap'>): Promise<Shift | SwapResult> {
    return new Promise((resolve, reject) => {
      // Settles once: the first outcome of a change is its outcome.
      let done = false;
      const change: Change = {
        ...c,
        sent: new Map(),
        uploaded: new Map(),
        rounds: 0,
        alone: false,
        resolve: (v) => {
          if (!done) resolve(v);
          done = true;
        },
        reject: (e) => {
          if (!done) reject(e);
          done = true;
        },
      };
      this.#queue(scheduleId, change);
    });
  }

  #queue(scheduleId: string, change: Change, front = false): void {
    let lane = this.#lanes.get(scheduleId);
    if (!lane) {
      lane = {
        schedule: this.#schedules.get(scheduleId)!,
        queue: [],
        busy: false,
        timer: undefined,
        firstQueuedAt: 0,
      };
      this.#lanes.set(scheduleId, lane);
    }
    if (lane.queue.length === 0) lane.firstQueuedAt = performance.now();
    if (front) lane.queue.unshift(change);
    else lane.queue.push(change);
    this.#arm(lane);
  }

  /** Waits for more changes (linger), bounded by the first one's wait; one upload in flight per schedule. */
  #arm(lane: Lane): void {
    if (lane.busy || lane.queue.length === 0) return;
    if (lane.timer) clearTimeout(lane.timer);
    const users = new Set(lane.queue.flatMap((c) => c.users)).size;
    const waited = performance.now() - lane.firstQueuedAt;
    const delay =
      users >= this.#u.maxAgents ? 0 : Math.max(0, Math.min(this.#u.lingerMs, this.#u.maxWaitMs - waited));
    lane.timer = setTimeout(() => {
      lane.timer = undefined;
      void this.#flush(lane);
    }, delay);
  }

  async #flush(lane: Lane): Promise<void> {
    if (lane.busy || lane.queue.length === 0) return;
    lane.busy = true;
    try {
      const batch = this.#take(lane);
      if (batch.length > 0) await this.#upload(lane.schedule, batch);
    } catch (err) {
      this.#o.logger?.error({ err }, 'unexpected error in a Genesys Cloud upload');
    } finally {
      lane.busy = false;
      if (lane.queue.length > 0) {
        lane.firstQueuedAt = performance.now() - this.#u.maxWaitMs;
        this.#arm(lane);
      }
    }
  }

  /** The next upload's changes: each agent once, at most maxAgents agents; a change marked alone goes by itself. */
  #take(lane: Lane): Change[] {
    const head = lane.queue[0]!;
    if (head.alone) return lane.queue.splice(0, 1);
    const taken: Change[] = [];
    const users = new Set<string>();
    const rest: Change[] = [];
    for (const c of lane.queue) {
      if (c.alone || c.users.some((u) => users.has(u)) || users.size + c.users.length > this.#u.maxAgents) {
        rest.push(c);
        continue;
      }
      for (const u of c.users) users.add(u);
      taken.push(c);
    }
    lane.queue = rest;
    return taken;
  }

  async #upload(schedule: ScheduleRef, batch: Change[]): Promise<void> {
    const org = await this.org();
    // Agents whose copy is missing are read first (one query per unit).
    const missing = [...new Set(batch.flatMap((c) => c.users))].filter(
      (u) => !this.#copies.has(key(schedule.id, u)),
    );
    if (missing.length > 0) {
      try {
        await this.#read(schedule, missing);
      } catch (err) {
        for (const c of batch) c.reject(err);
        return;
      }
    }
    const now = this.#clock.now();
    const ready: Change[] = [];
    const agents = new Map<string, Record<string, unknown>>();
    for (const c of batch) {
      const absent = c.users.find((u) => !this.#copies.has(key(schedule.id, u)));
      if (absent !== undefined) {
        this.#fail(
          c,
          new WfmNotFoundError(
            `agent '${absent}' has no schedule in schedule ${schedule.id} (week of ${schedule.weekDate}); the shift cannot be written there`,
            { status: 404 },
          ),
          org,
          schedule,
        );
        continue;
      }
      // A run announced in progress: known without a call.
      if (this.#runOver(schedule.id, c.users, org)) {
        this.#locked(
          c,
          org,
          schedule,
          'a reschedule run is in progress over its management unit',
          now + this.#u.runLockRetryMs,
        );
        continue;
      }
      const built = this.#build(c, schedule, org);
      if (built instanceof Error) {
        this.#fail(c, built, org, schedule);
        continue;
      }
      for (const [u, entry] of built) {
        agents.set(u, entry);
        c.uploaded.set(u, entry.shifts as UploadShift[]);
      }
      c.sent = new Map(c.users.map((u) => [u, this.#copies.get(key(schedule.id, u))!.version]));
      ready.push(c);
    }
    if (ready.length === 0) return;
    const body = gzipSync(
      JSON.stringify({ metadata: { version: schedule.version }, agentSchedules: [...agents.values()] }),
    );
    if (body.length > this.#u.maxBytes) {
      if (ready.length === 1) {
        this.#fail(
          ready[0]!,
          new WfmValidationError(
            `one change's upload is ${body.length} gzip bytes, over Genesys' request limit of ${this.#u.maxBytes}: its agents have too many shifts in schedule ${schedule.id}`,
          ),
          org,
          schedule,
        );
        return;
      }
      // Too big: the second half waits for the next upload.
      const half = Math.ceil(ready.length / 2);
      for (const c of ready.slice(half).reverse()) this.#queue(schedule.id, c, true);
      return this.#upload(schedule, ready.slice(0, half));
    }
    this.stats.uploads++;
    this.stats.agentsPerUpload.push(agents.size);
    const outcome = await this.#send(schedule, body);
    await this.#settle(schedule, ready, outcome, org);
  }

  /** The upload entries of one change, from the agents' current copies; an Error when it cannot be written as asked. */
  #build(c: Change, schedule: ScheduleRef, org: Org): Map<string, Record<string, unknown>> | Error {
    const copyOf = (u: string) => this.#copies.get(key(schedule.id, u))!;
    const entry = (copy: AgentCopy, shifts: UploadShift[]) => ({
      userId: copy.userId,
      metadata: { version: copy.version },
      shifts,
    });
    try {
      if (c.update) {
        const copy = copyOf(c.update.userId);
        if (copy.version !== c.update.patch.version) return this.#stale(copy, c.update.shiftId, org);
        const original = copy.shifts.find((s) => s.id === c.update!.shiftId);
        if (!original)
          return new WfmNotFoundError(
            `shift '${c.update.shiftId}' is no longer in agent '${copy.userId}'s schedule`,
            { status: 404 },
          );
        const current = this.#shiftsOf(copy, org).find((s) => s.id === original.id)!;
        const p = c.update.patch;
        const target = {
          start: p.start ?? current.start,
          end: p.end ?? current.end,
          activities: p.activities ?? current.activities,
        };
        const shifts = copy.shifts.map((s) =>
          s.id === original.id ? changedShift(target, original, org.codes) : unchangedShift(s),
        );
        return new Map([[copy.userId, entry(copy, shifts)]]);
      }
      const s = c.swap!;
      const A = copyOf(s.a);
      const B = copyOf(s.b);
      if (A.version !== s.item.a.version) return this.#stale(A, s.item.a.shiftId, org);
      if (B.version !== s.item.b.version) return this.#stale(B, s.item.b.shiftId, org);
      const ga = A.shifts.find((x) => x.id === s.item.a.shiftId);
      const gb = B.shifts.find((x) => x.id === s.item.b.shiftId);
      if (!ga || !gb)
        return new WfmNotFoundError('a shift of the swap is no longer where it was read', { status: 404 });
      // Kept to find the shifts again after the upload: each comes back under a new id, with its new owner.
      this.#lastSeen.set(ga.id, this.#shiftsOf(A, org).find((x) => x.id === ga.id)!);
      this.#lastSeen.set(gb.id, this.#shiftsOf(B, org).find((x) => x.id === gb.id)!);
      const moved = (g: GenesysShift): UploadShift => {
        const { id: _id, ...rest } = unchangedShift(g);
        return { ...rest, manuallyEdited: true };
      };
      const rebuild = (copy: AgentCopy, leaving: GenesysShift, arriving: GenesysShift): UploadShift[] => [
        ...copy.shifts.filter((x) => x.id !== leaving.id).map(unchangedShift),
        moved(arriving),
      ];
      return new Map([
        [A.userId, entry(A, rebuild(A, ga, gb))],
        [B.userId, entry(B, rebuild(B, gb, ga))],
      ]);
    } catch (err) {
      if (err instanceof ActivityCodeError) return new WfmValidationError(err.message, { cause: err });
      throw err;
    }
  }

  /** The writer's copy is older than this backend's: the conflict is known without a call. */
  #stale(copy: AgentCopy, shiftId: string, org: Org): WfmVersionConflictError {
    const shift = this.#shiftsOf(copy, org).find((s) => s.id === shiftId);
    return new WfmVersionConflictError(
      `agent '${copy.userId}' is at version ${copy.version} in schedule ${copy.scheduleId}; re-apply the change to the fresh shift`,
      {
        status: 409,
        errorCode: 'VERSION_CONFLICT',
        details: { currentVersion: copy.version, ...(shift ? { shift } : {}) },
      },
    );
  }

  /** uploadurl → PUT → /update → the announced result. */
  async #send(schedule: ScheduleRef, body: Buffer): Promise<SendOutcome> {
    const base = `${WFM_PATH}/businessunits/${encodeURIComponent(this.#o.businessUnitId)}/weeks/${schedule.weekDate}/schedules/${encodeURIComponent(schedule.id)}`;
    let signed: { uploadKey?: unknown; url?: unknown; headers?: unknown };
    try {
      signed = (await this.http.api({
        method: 'POST',
        path: `${base}/update/uploadurl`,
        body: { contentLengthBytes: body.length },
      })) as typeof signed;
      if (typeof signed?.uploadKey !== 'string' || typeof signed.url !== 'string')
        throw new WfmServerError('uploadurl answered without uploadKey and url');
      const headers = Object.fromEntries(
        Object.entries((signed.headers as Record<string, unknown>) ?? {}).map(([k, v]) => [k, String(v)]),
      );
      const put = await this.http.storage('PUT', signed.url, {
        headers: { ...headers, 'content-length': String(body.length) },
        body,
      });
      if (put.status >= 300) {
        throw new WfmServerError(
          `the signed upload URL refused the upload (${put.status}${/<Code>([^<]+)<\/Code>/.exec(put.text)?.[1] ? ` ${/<Code>([^<]+)<\/Code>/.exec(put.text)![1]}` : ''}); a new URL is asked for on the next try`,
          { status: 502 },
        );
      }
    } catch (err) {
      this.stats.uploadsFailed++;
      return { kind: 'failed', err };
    }
    const feed = await this.#startFeed();
    let answer: { status?: unknown; operationId?: unknown; result?: unknown };
    try {
      answer = (await this.http.api({
        method: 'POST',
        path: `${base}/update`,
        body: { uploadKey: signed.uploadKey },
      })) as typeof answer;
    } catch (err) {
      this.stats.uploadsFailed++;
      // A 4xx was refused before any job; anything else may have started one.
      if (err instanceof WfmError && err.status !== undefined && err.status < 500 && err.status !== 429)
        return { kind: 'error' };
      await delay(this.#u.unknownSettleMs);
      return { kind: 'unknown' };
    }
    if (answer?.status === 'Complete' && answer.result) return { kind: 'complete', result: answer.result };
    if (answer?.status === 'Error' || answer?.status === 'Canceled') return { kind: 'error' };
    if (typeof answer?.operationId !== 'string') return { kind: 'unknown' };
    const heard = feed ? await feed.waitFor(answer.operationId, this.#u.resultTimeoutMs) : undefined;
    if (!heard) {
      if (!feed) await delay(this.#u.unknownSettleMs);
      this.stats.resultsTimedOut++;
      return { kind: 'unknown' };
    }
    const status = (heard as { status?: unknown }).status;
    if (status === 'Complete') return { kind: 'complete', result: (heard as { result?: unknown }).result };
    return { kind: 'error' };
  }

  /** One outcome per change, from the result and the agents read back. */
  async #settle(schedule: ScheduleRef, batch: Change[], outcome: SendOutcome, org: Org): Promise<void> {
    if (outcome.kind === 'failed') {
      for (const c of batch) c.reject(outcome.err);
      return;
    }
    const result =
      outcome.kind === 'complete' ? (outcome.result as { metadata?: { version?: unknown } }) : undefined;
    const before = schedule.version;
    if (typeof result?.metadata?.version === 'number')
      schedule.version = Math.max(schedule.version, result.metadata.version);
    const users = [...new Set(batch.flatMap((c) => c.users))];
    try {
      if (outcome.kind !== 'complete') {
        // Which versions moved: the schedule's (listed again) and the agents'.
        const list = await listSchedules(this.http, this.#o.businessUnitId, schedule.weekDate);
        for (const s of list) this.#noteSchedule(s);
      }
      const present = new Set((await this.#read(schedule, users)).map((c) => c.userId));
      // An agent no longer in the schedule: its copy goes, and its changes cannot be written there.
      for (const u of users) if (!present.has(u)) this.#copies.delete(key(schedule.id, u));
    } catch (err) {
      for (const c of batch) c.reject(err);
      return;
    }
    const scheduleMoved = schedule.version !== before;
    const nothingMoved: Change[] = [];
    for (const c of batch) {
      const gone = c.users.find((u) => !this.#copies.has(key(schedule.id, u)));
      if (gone !== undefined) {
        this.#fail(
          c,
          new WfmNotFoundError(`agent '${gone}' is no longer in schedule ${schedule.id}; re-plan`, {
            status: 404,
          }),
          org,
          schedule,
        );
        continue;
      }
      const moved = c.users.filter((u) => this.#copies.get(key(schedule.id, u))?.version !== c.sent.get(u));
      if (moved.length === c.users.length && outcome.kind === 'complete') {
        this.#applied(c, schedule, org);
        continue;
      }
      if (moved.length === c.users.length && outcome.kind === 'unknown' && this.#inPlace(c, schedule)) {
        // No answer, but every agent holds exactly what was uploaded: it landed.
        this.#applied(c, schedule, org);
        continue;
      }
      if (moved.length > 0) {
        this.#conflict(c, schedule, org, outcome.kind === 'unknown');
        continue;
      }
      if (outcome.kind === 'unknown') {
        c.reject(
          new WfmServerError(
            `no result for the upload carrying this change within ${this.#u.resultTimeoutMs} ms, and the agents read back unchanged; sent again`,
          ),
        );
        continue;
      }
      nothingMoved.push(c);
    }
    if (nothingMoved.length === 0) return;
    await this.#readRuns().catch(() => undefined);
    for (const c of nothingMoved) {
      if (this.#runOver(schedule.id, c.users, org)) {
        this.#locked(
          c,
          org,
          schedule,
          'a reschedule run is in progress over its management unit',
          this.#clock.now() + this.#u.runLockRetryMs,
        );
        continue;
      }
      const window = this.#o.publishWindow ? openWindowAt(this.#clock.now(), this.#o.publishWindow) : null;
      if (window) {
        this.#locked(
          c,
          org,
          schedule,
          `the publish window is open until ${toWire(window.closesAt)}`,
          window.closesAt,
        );
        continue;
      }
      if (c.rounds++ >= this.#u.maxRounds) {
        this.#fail(c, this.#bare(c, schedule, `${c.rounds} uploads`), org, schedule);
        continue;
      }
      if (scheduleMoved) {
        // Another change landed first (the schedule's version moved): the same change goes again.
        this.stats.changesRequeued++;
        this.#queue(schedule.id, c, true);
        continue;
      }
      if (nothingMoved.length > 1 || batch.length > 1) {
        // Something in the upload was refused and Genesys does not say what: each change alone.
        this.stats.changesBisected++;
        c.alone = true;
        this.#queue(schedule.id, c, true);
        continue;
      }
      this.#fail(c, this.#bare(c, schedule, 'an upload of this change alone'), org, schedule);
    }
  }

  /** Every agent of the change holds the shifts it was sent (new shifts matched by time and activities). */
  #inPlace(c: Change, schedule: ScheduleRef): boolean {
    const same = (u: UploadShift, g: GenesysShift) =>
      Date.parse(u.startDate ?? '') === Date.parse(g.startDate) &&
      u.lengthMinutes === g.lengthMinutes &&
      JSON.stringify(
        (u.activities ?? []).map((a) => [Date.parse(a.startDate), a.lengthMinutes, a.activityCodeId]),
      ) ===
        JSON.stringify(g.activities.map((a) => [Date.parse(a.startDate), a.lengthMinutes, a.activityCodeId]));
    return c.users.every((user) => {
      const copy = this.#copies.get(key(schedule.id, user));
      const sent = c.uploaded.get(user);
      if (!copy || !sent || copy.shifts.length !== sent.length) return false;
      return sent.every((u) =>
        u.id !== undefined
          ? copy.shifts.some((g) => g.id === u.id && same(u, g))
          : copy.shifts.some((g) => same(u, g)),
      );
    });
  }

  #bare(c: Change, schedule: ScheduleRef, what: string): WfmScheduleConflictError {
    return new WfmScheduleConflictError(
      `Genesys Cloud answered Error (it gives no reason) to ${what} at unchanged schedule and agent versions in schedule ${schedule.id}, outside the publish window and any reschedule run: the change itself is likely refused (an overlap, the grid, a code); agents ${c.users.join(', ')}`,
      { status: 409, errorCode: 'SCHEDULE_CONFLICT' },
    );
  }

  #applied(c: Change, schedule: ScheduleRef, org: Org): void {
    if (c.update) {
      const copy = this.#copies.get(key(schedule.id, c.update.userId))!;
      const shift = this.#shiftsOf(copy, org).find((s) => s.id === c.update!.shiftId);
      if (shift) c.resolve(shift);
      else
        c.reject(
          new WfmNotFoundError(`shift '${c.update.shiftId}' is gone after the upload`, { status: 404 }),
        );
      return;
    }
    const s = c.swap!;
    const A = this.#copies.get(key(schedule.id, s.a))!;
    const B = this.#copies.get(key(schedule.id, s.b))!;
    const sa = this.#shiftsOf(A, org);
    const sb = this.#shiftsOf(B, org);
    const [oldA, oldB] = [s.item.a.shiftId, s.item.b.shiftId];
    // The shift that was b's now belongs to A under a new id, and a's to B: found by time.
    const origA = this.#lastSeen.get(oldA);
    const origB = this.#lastSeen.get(oldB);
    const nowOfB = origB && sa.find((x) => x.start === origB.start && x.end === origB.end);
    const nowOfA = origA && sb.find((x) => x.start === origA.start && x.end === origA.end);
    if (!nowOfA || !nowOfB) {
      c.resolve(
        failed(
          s.item.swapId,
          'SCHEDULE_CONFLICT',
          "the swap's upload completed but its shifts are not found where they should be",
        ),
      );
      return;
    }
    this.#moved.set(oldA, nowOfA.id);
    this.#moved.set(oldB, nowOfB.id);
    c.resolve({ swapId: s.item.swapId, status: 'applied', shifts: [nowOfA, nowOfB] });
  }

  readonly #lastSeen = new Map<string, Shift>();

  #conflict(c: Change, schedule: ScheduleRef, org: Org, mayHaveLanded: boolean): void {
    const fresh = (userId: string, shiftId: string) => {
      const copy = this.#copies.get(key(schedule.id, userId));
      return copy ? this.#shiftsOf(copy, org).find((s) => s.id === this.#current(shiftId)) : undefined;
    };
    if (c.update) {
      const shift = fresh(c.update.userId, c.update.shiftId);
      if (!shift) {
        c.reject(
          new WfmNotFoundError(
            `shift '${c.update.shiftId}' is gone from agent '${c.update.userId}'s schedule`,
            { status: 404 },
          ),
        );
        return;
      }
      c.reject(
        new WfmVersionConflictError(
          `agent '${c.update.userId}' moved to version ${shift.version} in schedule ${schedule.id} (the upload answered ${mayHaveLanded ? 'nothing' : 'Error'}); re-apply the change to the fresh shift`,
          {
            status: 409,
            errorCode: 'VERSION_CONFLICT',
            details: { shift, currentVersion: shift.version, mayHaveLanded },
          },
        ),
      );
      return;
    }
    const s = c.swap!;
    const side = fresh(s.a, s.item.a.shiftId) ?? fresh(s.b, s.item.b.shiftId);
    c.resolve({
      swapId: s.item.swapId,
      status: 'failed',
      error: {
        errorCode: 'VERSION_CONFLICT',
        message: `an agent of the swap moved to a new version in schedule ${schedule.id}`,
        details: { ...(side ? { shift: side, currentVersion: side.version } : {}), mayHaveLanded },
      },
    });
  }

  #locked(c: Change, org: Org, schedule: ScheduleRef, why: string, until: number): void {
    // The week of the change's shift: the writer keeps its locks by the shift's week.
    const userId = c.update?.userId ?? c.swap!.a;
    const shiftId = c.update?.shiftId ?? c.swap!.item.a.shiftId;
    const shift = this.#copies.get(key(schedule.id, userId))?.shifts.find((x) => x.id === shiftId);
    const week = org.weekOf(shift ? parseInstant(shift.startDate) : this.#clock.now());
    const details = { week, lockedUntil: toWire(until) };
    const message = `schedule ${schedule.id} takes no update now: ${why}`;
    if (c.swap) {
      c.resolve({
        swapId: c.swap.item.swapId,
        status: 'failed',
        error: { errorCode: 'SCHEDULE_LOCKED', message, details },
      });
      return;
    }
    c.reject(
      new WfmScheduleLockedError(message, {
        status: 409,
        errorCode: 'SCHEDULE_LOCKED',
        details,
        retryAfterMs: Math.max(0, until - this.#clock.now()),
      }),
    );
  }

  #fail(c: Change, err: Error, _org: Org, _schedule: ScheduleRef): void {
    if (c.swap) {
      const code =
        err instanceof WfmVersionConflictError
          ? 'VERSION_CONFLICT'
          : err instanceof WfmNotFoundError
            ? 'NOT_FOUND'
            : err instanceof WfmValidationError
              ? 'VALIDATION_ERROR'
              : 'SCHEDULE_CONFLICT';
      c.resolve({
        swapId: c.swap.item.swapId,
        status: 'failed',
        error: {
          errorCode: code,
          message: err.message,
          ...(err instanceof WfmError && err.details ? { details: err.details } : {}),
        },
      });
      return;
    }
    c.reject(err);
  }
}

type SendOutcome =
  | { kind: 'complete'; result: unknown }
  | { kind: 'error' }
  | { kind: 'unknown' }
  | { kind: 'failed'; err: unknown };

function failed(swapId: string, errorCode: string, message: string): SwapResult {
  return { swapId, status: 'failed', error: { errorCode, message } };
}
