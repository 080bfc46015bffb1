import type { Agent, Shift, ShiftPatch, SwapItem, SwapResult } from './contract.js';

/**
 * The port between trunk-reactor and a WFM. Two backends implement it: the seed contract's
 * HTTP client (one PATCH per shift, idempotency keys, a bulk swap route) and Genesys Cloud
 * (genesys-cloud/backend.ts: uploads of whole agent schedules, gathered from many changes,
 * guarded by schedule and agent versions, with the result announced asynchronously).
 *
 * What a backend promises, whatever its unit of write (held by
 * test/wfm/conformance.test.ts, run once per backend):
 * - `Shift.version` changes whenever anything in the shift may have changed; a write based on
 *   an older version fails with WfmVersionConflictError, carrying the fresh shift when known;
 * - a write resolves only once it has landed, with the shift as written; a write whose fate
 *   is unknown fails with a transient error (sent again) or, once settled by a read, with a
 *   version conflict marked `mayHaveLanded`;
 * - a swap is atomic: both shifts change owner, or neither;
 * - a week that takes no writes for a while (a publish, a reschedule run) fails with
 *   WfmScheduleLockedError, naming the week and, when known, when it ends;
 * - anything else refused fails with a WfmError whose class says what the writer can do.
 * The writer (src/writer/) states the rest once, over this port: target states re-applied
 * to fresh copies, skipped when already true, deferral, the retry budget, one outcome each.
 */
export interface ShiftQuery {
  teamId?: string;
  agentId?: string;
  /** instants with offsets; shifts overlapping [from, to) */
  from?: string;
  to?: string;
}

/** A read's options: `signal` abandons it (the request in flight is aborted, its reason thrown). */
export interface ReadOptions {
  signal?: AbortSignal;
}

export interface WriteOptions {
  idempotencyKey: string;
  signal?: AbortSignal;
}

/** What the planner needs: reads only. A source that cannot be interrupted may ignore `options`. */
export interface ScheduleSource {
  listShifts(query: ShiftQuery, options?: ReadOptions): Promise<Shift[]>;
  listAgents(query: { teamId?: string }, options?: ReadOptions): Promise<Agent[]>;
}

/** How a backend writes: what the writer may expect of its calls. */
export interface WriteTraits {
  /** a shift (one request per change) or an agent's schedule (many changes in one upload) */
  unit: 'shift' | 'agent-schedule';
  /** concurrent writes are gathered into one request: the writer keeps many in flight */
  batched: boolean;
  /** the backend replays a repeated write's answer by its key; without, versions stop repeats */
  idempotencyKeys: boolean;
}

export const SHIFT_WRITES: WriteTraits = { unit: 'shift', batched: false, idempotencyKeys: true };

export interface WfmAdapter extends ScheduleSource {
  /** absent: SHIFT_WRITES */
  readonly writes?: WriteTraits;
  /**
   * Every fresh copy the backend reads or writes, for the writer's version cache. A backend
   * whose unit of write is an agent's schedule bumps the version of each of the agent's
   * shifts at once: this is how the writer learns it without a read.
   */
  observeShifts?(listener: (shifts: Shift[]) => void): void;
  /**
   * Weeks whose lock the backend told of (WfmScheduleLockedError) and has since heard end,
   * before the end it gave: a reschedule run announced Complete. The writer wakes the
   * adjustments deferred on the week at once instead of at the end it was given.
   */
  observeLockEnds?(listener: (week: string) => void): void;
  getShift(shiftId: string, signal?: AbortSignal): Promise<Shift>;
  patchShift(shiftId: string, patch: ShiftPatch, options: WriteOptions): Promise<Shift>;
  swapShifts(swaps: SwapItem[], options: WriteOptions): Promise<SwapResult[]>;
}
