import { z } from 'zod';
import { parseInstant, toWire } from '../time/instant.js';
import { timeOfDay } from '../time/time-of-day.js';
import { isValidZone } from '../time/zone.js';
import { Instant } from '../wfm/contract.js';
import { ScheduleSnapshot } from '../wfm/snapshot.js';
import { ApiError } from './api-error.js';
import type { RouteResult } from './contract-routes.js';
import { validate } from './contract-routes.js';
import type { WfmSandbox } from './sandbox.js';
import type { SandboxStats } from './stats.js';
import { UNREADABLE_BODIES } from './unreadable-answer.js';

/** PUT /_sandbox/clock: shared by every sandbox flavour. */
export const ClockUpdate = z.strictObject({
  now: z.string().optional(),
  advanceMs: z.number().finite().optional(),
  frozen: z.boolean().optional(),
});

const FaultsUpdate = z.strictObject({
  latencyMs: z.number().min(0).max(60_000).optional(),
  latencyJitterMs: z.number().min(0).max(60_000).optional(),
  errorRate: z.number().min(0).max(1).optional(),
  errorAfterWriteRate: z.number().min(0).max(1).optional(),
  resetRate: z.number().min(0).max(1).optional(),
  unreadableAfterWriteRate: z.number().min(0).max(1).optional(),
  unreadableWithoutWriteRate: z.number().min(0).max(1).optional(),
  unreadableBody: z.enum(UNREADABLE_BODIES).optional(),
  mutatorPerSecond: z.number().min(0).max(10_000).optional(),
  mutatorBeforeWriteShare: z.number().min(0).max(1).optional(),
  seed: z.number().int().optional(),
});

const BehaviourUpdate = z.strictObject({
  publishLock: z.boolean().optional(),
  publishedWeekOffset: z.number().int().min(-1).max(4).optional(),
  opaqueConflicts: z.boolean().optional(),
  lockRetryAfter: z.boolean().optional(),
  rateLimitPerMinute: z.number().min(0).optional(),
  rateLimitBurst: z.number().min(1).optional(),
  maxShiftHours: z.number().min(1).max(48).optional(),
  gridMinutes: z.number().int().min(1).max(60).optional(),
  idempotencyTtlHours: z.number().min(0).optional(),
  minInFlightMs: z.number().min(0).max(60_000).optional(),
  maxBodyBytes: z.number().int().min(1024).optional(),
  pageSizeMax: z.number().int().min(1).optional(),
});

/** PUT /_sandbox/publish-window: shared by every sandbox flavour. */
export const PublishWindowUpdate = z.strictObject({
  dayOfWeek: z.number().int().min(1).max(7),
  time: timeOfDay(),
  zone: z.string().refine(isValidZone, { message: 'must be an IANA time zone such as Asia/Singapore' }),
  durationMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60),
});

const StateUpload = z.union([
  z.object({ schedule: ScheduleSnapshot, ledger: z.unknown(), publishedThrough: Instant }),
  ScheduleSnapshot,
]);

export interface AdminHooks {
  onBehaviour(): void;
  onChange(): void;
}

/** /_sandbox/*: state, ledger, clock, faults and behaviour for tests, the demo and what-if runs. */
export function adminRoute(
  sandbox: WfmSandbox,
  stats: SandboxStats,
  method: string,
  path: string,
  params: URLSearchParams,
  body: unknown,
  hooks: AdminHooks,
): RouteResult {
  const ok = (b: unknown): RouteResult => ({ status: 200, body: b });
  const route = `${method} ${path}`;
  switch (route) {
    case 'GET /health':
      return ok({ ok: true, shifts: sandbox.store.size, now: toWire(sandbox.clock.now()) });
    case 'GET /state':
      return ok(sandbox.exportState());
    case 'PUT /state': {
      const state = validate(StateUpload, body);
      if ('schedule' in state) sandbox.restoreState(state as Parameters<WfmSandbox['restoreState']>[0]);
      else sandbox.loadSchedule(state);
      hooks.onChange();
      return ok({ loaded: true, shifts: sandbox.store.size });
    }
    case 'GET /ledger': {
      const since = Number(params.get('since') ?? '1');
      const limit = Number(params.get('limit') ?? 'Infinity');
      if (!Number.isFinite(since) || Number.isNaN(limit)) {
        throw new ApiError('VALIDATION_ERROR', 'query since and limit must be numbers');
      }
      return ok(sandbox.ledger.since(since, limit));
    }
    case 'GET /clock':
      return ok({
        now: toWire(sandbox.clock.now()),
        nowMs: sandbox.clock.now(),
        frozen: sandbox.clock.isFrozen,
      });
    case 'PUT /clock': {
      const update = validate(ClockUpdate, body);
      if (update.now !== undefined) {
        try {
          sandbox.clock.set(parseInstant(update.now));
        } catch (err) {
          throw new ApiError('VALIDATION_ERROR', `now: ${(err as Error).message}`);
        }
      }
      if (update.advanceMs !== undefined) sandbox.clock.advance(update.advanceMs);
      if (update.frozen !== undefined) sandbox.clock.freeze(update.frozen);
      sandbox.tick();
      hooks.onChange();
      return ok({
        now: toWire(sandbox.clock.now()),
        nowMs: sandbox.clock.now(),
        frozen: sandbox.clock.isFrozen,
      });
    }
    case 'GET /faults':
      return ok(sandbox.faults);
    case 'PUT /faults':
      sandbox.setFaults(stripUndefined(validate(FaultsUpdate, body)));
      return ok(sandbox.faults);
    case 'GET /behaviour':
      return ok(sandbox.behaviour);
    case 'PUT /behaviour':
      sandbox.behaviour = { ...sandbox.behaviour, ...stripUndefined(validate(BehaviourUpdate, body)) };
      hooks.onBehaviour();
      return ok(sandbox.behaviour);
    case 'GET /publish-window':
      return ok(sandbox.publishWindow);
    case 'PUT /publish-window': {
      const w = validate(PublishWindowUpdate, body);
      sandbox.publishWindow = { ...w, dayOfWeek: w.dayOfWeek as 1 | 2 | 3 | 4 | 5 | 6 | 7 };
      return ok(sandbox.publishWindow);
    }
    case 'GET /stats':
      return ok({ ...stats.toJSON(), shifts: sandbox.store.size, ledgerEntries: sandbox.ledger.size });
    default:
      throw new ApiError('NOT_FOUND', `no such admin endpoint: ${method} /_sandbox${path}`);
  }
}

function stripUndefined<T extends object>(o: T): { [K in keyof T]-?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as never;
}
