// The public entry: every name others may use, listed by hand.

// config and observability
export { ConfigError, loadConfig } from './config/load.js';
export type { Config } from './config/schema.js';
export { decodeTrunkEvent } from './events/decode.js';
export { EventDecodeError } from './events/decode-error.js';
// events
export type { TrunkEvent, TrunkSample } from './events/trunk-event.js';
export { createLogger } from './observability/logger.js';
export type { Adjustment, AdjustmentReason, ShiftMutation } from './planner/adjustment.js';
export type { KillSwitch } from './planner/kill-switch.js';
export { FileKillSwitch, MemoryKillSwitch } from './planner/kill-switch.js';
export type { PlannerSnapshot } from './planner/planner.js';
// planner
export { Planner } from './planner/planner.js';
export { compileRules } from './rules/compile.js';
// rules
export { RuleEngine } from './rules/engine.js';
export type { EngineSnapshot } from './rules/engine-snapshot.js';
export { EventRejectedError } from './rules/event-rejected-error.js';
export type { Intent } from './rules/intent.js';
export { loadRulesFile, parseRulesText } from './rules/load.js';
export { RulesFileError } from './rules/rules-error.js';
export { RulesWatcher } from './rules/rules-watcher.js';
export type { SandboxOptions } from './sandbox/options.js';
export type { RunningSandbox } from './sandbox/server.js';
// the WFM sandbox
export { startSandbox } from './sandbox/server.js';
// time
export type { Clock } from './time/clock.js';
export { systemClock } from './time/clock.js';
// wfm
export type { ScheduleSource, ShiftQuery, WfmAdapter, WriteOptions } from './wfm/adapter.js';
export type { Activity, Agent, Shift, ShiftPatch, SwapItem, SwapResult } from './wfm/contract.js';
export {
  WfmBadResponseError,
  WfmConnectionError,
  WfmError,
  WfmIdempotencyKeyInFlightError,
  WfmIdempotencyKeyReusedError,
  WfmNotFoundError,
  WfmRateLimitedError,
  WfmScheduleConflictError,
  WfmScheduleLockedError,
  WfmServerError,
  WfmShiftOverlapError,
  WfmTimeoutError,
  WfmUnauthorizedError,
  WfmValidationError,
  WfmVersionConflictError,
} from './wfm/errors.js';
export type { WfmHttpClientOptions } from './wfm/http-client.js';
export { WfmHttpClient } from './wfm/http-client.js';
export type { ScheduleSnapshot } from './wfm/snapshot.js';
export { WriterError } from './writer/errors.js';
export { deriveIdempotencyKey } from './writer/idempotency-key.js';
export type { Outcome, OutcomeSink, OutcomeStatus } from './writer/outcome.js';
export { isTerminal, MemoryOutcomeSink } from './writer/outcome.js';
export { RateLimiter } from './writer/rate-limiter.js';
export { RetryBudget } from './writer/retry-budget.js';
// writer and WFM client
export { Writer } from './writer/writer.js';
export type { WriterOptions } from './writer/writer-options.js';
