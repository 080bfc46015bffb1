import { z } from 'zod';
import { parseInstant } from '../../time/instant.js';
import { ScheduleSnapshot } from '../../wfm/snapshot.js';
import { ClockUpdate, PublishWindowUpdate } from '../admin-routes.js';
import { ApiError } from '../api-error.js';
import type { RouteResult } from '../contract-routes.js';
import { validate } from '../contract-routes.js';
import type { ApiStats } from './api-stats.js';
import type { GenesysSandboxState, GenesysWfm } from './genesys-wfm.js';
import type { NotificationHub } from './notification-hub.js';
import type { GenesysClient } from './options.js';
import { RUN_STATES, RunTransitionError, runToWire } from './scheduling-runs.js';
import { stateFromSnapshot } from './seed.js';
import { trunkAdminRoute } from './trunk-admin.js';
import type { TrunkScenario } from './trunk-scenario.js';
import { iso } from './wire.js';

const share = z.number().min(0).max(1).optional();
const FaultsUpdate = z.strictObject({
  latencyMs: z.number().min(0).max(60_000).optional(),
  latencyJitterMs: z.number().min(0).max(60_000).optional(),
  errorRate: share,
  errorAfterWriteRate: share,
  resetRate: share,
  notificationLossRate: share,
  mutatorPerSecond: z.number().min(0).max(10_000).optional(),
  mutatorBeforeWriteShare: share,
  seed: z.number().int().optional(),
});

const BehaviourUpdate = z.strictObject({
  rateLimitPerMinute: z.number().min(0).optional(),
  rateLimitBurst: z.number().min(1).optional(),
  requestMaxBytes: z.number().int().min(1024).optional(),
  uploadMaxBytes: z.number().int().min(1024).optional(),
  tokenTtlSeconds: z.number().int().min(1).optional(),
  uploadUrlTtlSeconds: z.number().int().min(1).optional(),
  downloadUrlTtlSeconds: z.number().int().min(1).optional(),
  uploadSingleUse: z.boolean().optional(),
  omittedShifts: z.enum(['replace', 'keep']).optional(),
  updateAtomicity: z.enum(['all-or-nothing', 'per-agent']).optional(),
  checkScheduleVersion: z.boolean().optional(),
  scheduleVersionBumpsOnAgentEdit: z.boolean().optional(),
  agentVersionStep: z.number().int().min(1).max(1_000).optional(),
  publishBumpsAgentVersions: z.boolean().optional(),
  activityLayout: z.enum(['tile', 'within']).optional(),
  gridMinutes: z.number().int().min(1).max(60).optional(),
  maxShiftHours: z.number().min(1).max(48).optional(),
  weekIdMatch: z.enum(['schedule-week', 'any-covered-week']).optional(),
  publishLockAnswer: z.enum(['error-result', 'http-409']).optional(),
  rescheduleLocksWrites: z.boolean().optional(),
  queryAnswer: z.enum(['auto', 'inline', 'download', 'async']).optional(),
  downloadInlineMaxAgents: z.number().int().min(0).optional(),
  asyncAboveAgents: z.number().int().min(0).optional(),
  queryNotificationTopic: z.enum(['user', 'business-unit']).optional(),
  clientCredentialsUserTopics: z.boolean().optional(),
  downloadBody: z.enum(['result', 'envelope']).optional(),
  jobMs: z.number().min(0).max(60_000).optional(),
  publishedWeekOffset: z.number().int().min(-1).max(4).optional(),
  heartbeatMs: z.number().int().min(10).optional(),
  socketClosingGraceMs: z.number().int().min(0).optional(),
  channelTtlHours: z.number().positive().optional(),
  maxChannelsPerClient: z.number().int().min(1).optional(),
  maxTopicsPerChannel: z.number().int().min(1).optional(),
});

const RunCreate = z.strictObject({
  scheduleId: z.string().min(1),
  managementUnitIds: z.array(z.string()).min(1).optional(),
  startDate: z.string().optional(),
  endDate: z.string().optional(),
  doNotChangeManuallyEditedShifts: z.boolean().optional(),
  state: z.enum(['Queued', 'Scheduling']).optional(),
});
const RunUpdate = z.strictObject({ state: z.enum(RUN_STATES) });
const RunApply = z.strictObject({ moveMinutes: z.number().int().min(-720).max(720).optional() });
const HubUpdate = z.strictObject({ heartbeats: z.boolean() });
const ChannelChoice = z.strictObject({ channelId: z.string().optional() });
const Publish = z.strictObject({ topicName: z.string().min(1), eventBody: z.unknown() });
const ClientUpdate = z.strictObject({ permissions: z.array(z.string()) });
const SavedState = z.object({
  state: z
    .object({ businessUnit: z.object({ id: z.string() }).loose(), schedules: z.array(z.unknown()) })
    .loose(),
  ledger: z.object({ entries: z.array(z.unknown()), nextSeq: z.number() }),
  runs: z.array(z.unknown()),
  publishedThrough: z.string(),
});

export interface GenesysAdminDeps {
  wfm: GenesysWfm;
  hub: NotificationHub;
  trunks: TrunkScenario;
  stats: ApiStats;
  clients: GenesysClient[];
  onBehaviour(): void;
  onChange(): void;
}

function instant(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  try {
    return parseInstant(value);
  } catch (err) {
    throw new ApiError('VALIDATION_ERROR', `${name}: ${(err as Error).message}`);
  }
}

function stripUndefined<T extends object>(o: T): { [K in keyof T]-?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as never;
}

/**
 * /_sandbox/* of the genesys-cloud flavour: the same state, ledger, clock, faults, behaviour,
 * publish-window and stats routes as the project's own sandbox, plus reschedule runs, the
 * notification channels (socket_closing, dropped sockets, paused heartbeats, a publish), the
 * reasons behind job results, the OAuth clients' permissions, and the trunk metrics scenario
 * under /trunks (trunk-admin.ts).
 */
export function genesysAdminRoute(
  d: GenesysAdminDeps,
  method: string,
  path: string,
  params: URLSearchParams,
  body: unknown,
): RouteResult {
  const { wfm, hub } = d;
  const ok = (b: unknown): RouteResult => ({ status: 200, body: b });
  const clock = () => ({ now: iso(wfm.clock.now()), nowMs: wfm.clock.now(), frozen: wfm.clock.isFrozen });
  const run = (id: string) => {
    const r = wfm.runs.get(id);
    if (!r) throw new ApiError('NOT_FOUND', `no scheduling run ${id}`);
    return r;
  };
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'trunks')
    return trunkAdminRoute(d.trunks, method, path.slice('/trunks'.length), params, body);
  const route = `${method} /${parts.map((p, i) => (i === 1 && ['scheduling-runs', 'operations', 'clients'].includes(parts[0]!) ? ':id' : p)).join('/')}`;
  switch (route) {
    case 'GET /health':
      return ok({
        ok: true,
        flavour: 'genesys-cloud',
        businessUnitId: wfm.businessUnitId,
        schedules: wfm.store.state.schedules.length,
        now: iso(wfm.clock.now()),
      });
    case 'GET /state':
      return ok(wfm.exportState());
    case 'PUT /state': {
      if (ScheduleSnapshot.safeParse(body).success) {
        wfm.loadState(
          stateFromSnapshot(body as ScheduleSnapshot, wfm.clock.now(), wfm.behaviour.defaultCodeIds),
        );
      } else {
        validate(SavedState, body);
        wfm.restoreState(body as GenesysSandboxState);
      }
      d.onChange();
      return ok({ loaded: true, schedules: wfm.store.state.schedules.length });
    }
    case 'GET /ledger': {
      const since = Number(params.get('since') ?? '1');
      const limit = Number(params.get('limit') ?? 'Infinity');
      if (!Number.isFinite(since) || Number.isNaN(limit))
        throw new ApiError('VALIDATION_ERROR', 'query since and limit must be numbers');
      return ok(wfm.store.ledger.since(since, limit));
    }
    case 'GET /clock':
      return ok(clock());
    case 'PUT /clock': {
      const u = validate(ClockUpdate, body);
      const now = instant(u.now, 'now');
      if (now !== undefined) wfm.clock.set(now);
      if (u.advanceMs !== undefined) wfm.clock.advance(u.advanceMs);
      if (u.frozen !== undefined) wfm.clock.freeze(u.frozen);
      wfm.tick();
      hub.tick();
      d.onChange();
      return ok(clock());
    }
    case 'GET /faults':
      return ok(wfm.faults);
    case 'PUT /faults':
      wfm.setFaults(stripUndefined(validate(FaultsUpdate, body)));
      return ok(wfm.faults);
    case 'GET /behaviour':
      return ok(wfm.behaviour);
    case 'PUT /behaviour':
      wfm.behaviour = { ...wfm.behaviour, ...stripUndefined(validate(BehaviourUpdate, body)) };
      d.onBehaviour();
      return ok(wfm.behaviour);
    case 'GET /publish-window':
      return ok(wfm.publishWindow);
    case 'PUT /publish-window': {
      const w = validate(PublishWindowUpdate, body);
      wfm.publishWindow = { ...w, dayOfWeek: w.dayOfWeek as 1 | 2 | 3 | 4 | 5 | 6 | 7 };
      return ok(wfm.publishWindow);
    }
    case 'GET /stats':
      return ok({
        ...d.stats.toJSON(),
        ledgerEntries: wfm.store.ledger.size,
        notifications: hub.describe().stats,
      });
    case 'GET /operations':
      return ok({ entities: [...wfm.operations.values()] });
    case 'GET /operations/:id': {
      const op = wfm.operations.get(parts[1]!);
      if (!op) throw new ApiError('NOT_FOUND', `no operation ${parts[1]}`);
      return ok(op);
    }
    case 'GET /scheduling-runs':
      return ok({ entities: wfm.runs.runs.map((r) => runToWire(r, wfm.businessUnitId)) });
    case 'POST /scheduling-runs': {
      const c = validate(RunCreate, body);
      const schedule = wfm.store.schedule(c.scheduleId);
      if (!schedule) throw new ApiError('NOT_FOUND', `no schedule ${c.scheduleId}`);
      const range = wfm.store.range(schedule);
      const created = wfm.runs.create({
        scheduleId: schedule.id,
        weekDate: schedule.weekDate,
        weekCount: schedule.weekCount,
        managementUnitIds: c.managementUnitIds ?? wfm.store.state.managementUnits.map((m) => m.id),
        startDate: instant(c.startDate, 'startDate') ?? Math.max(range.start, wfm.clock.now()),
        endDate: instant(c.endDate, 'endDate') ?? range.end,
        doNotChangeManuallyEditedShifts: c.doNotChangeManuallyEditedShifts ?? true,
        startedAt: wfm.clock.now(),
        startedBy: 'wfm-admin',
        ...(c.state ? { state: c.state } : {}),
      });
      wfm.announceRun(created);
      d.onChange();
      return ok(runToWire(created, wfm.businessUnitId));
    }
    case 'PUT /scheduling-runs/:id': {
      const r = run(parts[1]!);
      const u = validate(RunUpdate, body);
      try {
        wfm.runs.transition(r, u.state, wfm.clock.now());
      } catch (err) {
        if (err instanceof RunTransitionError) throw new ApiError('VALIDATION_ERROR', err.message);
        throw err;
      }
      wfm.announceRun(r);
      d.onChange();
      return ok(runToWire(r, wfm.businessUnitId));
    }
    case 'POST /scheduling-runs/:id/apply': {
      const r = run(parts[1]!);
      if (r.state !== 'Complete')
        throw new ApiError(
          'VALIDATION_ERROR',
          `scheduling run ${r.id} is ${r.state}; only a Complete run can be applied`,
        );
      const u = validate(RunApply, body ?? {});
      const moved = wfm.applyRun(r, u.moveMinutes ?? wfm.behaviour.gridMinutes);
      d.onChange();
      return ok({ moved, run: runToWire(r, wfm.businessUnitId) });
    }
    case 'GET /notifications':
      return ok(hub.describe());
    case 'PUT /notifications':
      hub.heartbeats = validate(HubUpdate, body).heartbeats;
      return ok(hub.describe());
    case 'POST /notifications/socket-closing':
      return ok({ told: hub.socketClosing(validate(ChannelChoice, body ?? {}).channelId) });
    case 'POST /notifications/drop':
      return ok({ dropped: hub.dropSockets(validate(ChannelChoice, body ?? {}).channelId) });
    case 'POST /notifications/publish': {
      const p = validate(Publish, body);
      return ok({ delivered: hub.publish(p.topicName, p.eventBody) });
    }
    case 'GET /clients':
      return ok({ entities: d.clients.map((c) => ({ id: c.id, permissions: c.permissions })) });
    case 'PUT /clients/:id': {
      const c = d.clients.find((x) => x.id === parts[1]);
      if (!c) throw new ApiError('NOT_FOUND', `no OAuth client ${parts[1]}`);
      c.permissions = validate(ClientUpdate, body).permissions;
      return ok({ id: c.id, permissions: c.permissions });
    }
    default:
      throw new ApiError('NOT_FOUND', `no such admin endpoint: ${method} /_sandbox${path}`);
  }
}
