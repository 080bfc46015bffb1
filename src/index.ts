// The public entry: every name others may use, listed by hand.

// time
export type { Clock } from './time/clock.js';
export { systemClock } from './time/clock.js';

// events
export type { TrunkEvent, TrunkSample } from './events/trunk-event.js';
export { decodeTrunkEvent } from './events/decode.js';
export { EventDecodeError } from './events/decode-error.js';

// rules
export { RuleEngine } from './rules/engine.js';
export type { EngineSnapshot } from './rules/engine-snapshot.js';
export { compileRules } from './rules/compile.js';
export { loadRulesFile, parseRulesText } from './rules/load.js';
export { RulesWatcher } from './rules/rules-watcher.js';
export { RulesFileError } from './rules/rules-error.js';
export { EventRejectedError } from './rules/event-rejected-error.js';
export type { Intent } from './rules/intent.js';

// planner
export { Planner } from './planner/planner.js';
export type { PlannerSnapshot } from './planner/planner.js';
export { FileKillSwitch, MemoryKillSwitch } from './planner/kill-switch.js';
export type { KillSwitch } from './planner/kill-switch.js';
export type { Adjustment, ShiftMutation, AdjustmentReason } from './planner/adjustment.js';

// wfm
export type { WfmAdapter, ScheduleSource, ShiftQuery, WriteOptions } from './wfm/adapter.js';
export type { Shift, ShiftPatch, SwapItem, SwapResult, Agent, Activity } from './wfm/contract.js';
export type { ScheduleSnapshot } from './wfm/snapshot.js';

// config and observability
export { loadConfig, ConfigError } from './config/load.js';
export type { Config } from './config/schema.js';
export { createLogger } from './observability/logger.js';

// the WFM sandbox
export { startSandbox } from './sandbox/server.js';
export type { RunningSandbox } from './sandbox/server.js';
export type { SandboxOptions } from './sandbox/options.js';
