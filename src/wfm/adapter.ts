import type { Agent, Shift, ShiftPatch, SwapItem, SwapResult } from './contract.js';

/**
 * The small interface between trunk-reactor and a WFM. The seed-contract HTTP client is
 * the first implementation; a backend such as Genesys Cloud (whole-schedule upload jobs
 * with per-agent versions) would be another, without touching rules or pipeline.
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

export interface WfmAdapter extends ScheduleSource {
  getShift(shiftId: string, signal?: AbortSignal): Promise<Shift>;
  patchShift(shiftId: string, patch: ShiftPatch, options: WriteOptions): Promise<Shift>;
  swapShifts(swaps: SwapItem[], options: WriteOptions): Promise<SwapResult[]>;
}
