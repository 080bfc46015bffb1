// The public entry: every name others may use, listed by hand.
export type { Clock } from './time/clock.js';
export { systemClock } from './time/clock.js';
export type { Adjustment, ShiftMutation, AdjustmentReason } from './planner/adjustment.js';
export type { WfmAdapter, ScheduleSource, ShiftQuery, WriteOptions } from './wfm/adapter.js';
export type { Shift, ShiftPatch, SwapItem, SwapResult, Agent, Activity } from './wfm/contract.js';
