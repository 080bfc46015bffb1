import type { PublishWindow } from '../time/publish-window.js';
import type { RulesUnderTest } from './rules-source.js';
import type { TestSchedule } from './schedule-source.js';
import type { PassedOverExpectation, PlannedExpectation } from './schema.js';
import type { TrunkInput } from './trunk-inputs.js';

/** Where an expectation is written, for the report. */
export interface Located {
  line: number;
  column: number;
  path: string;
}

/** A time to compare with: a clock time (seconds after local midnight, any day) or an instant. */
export type TimeMatch = { clock: number } | { ms: number };

/** A rule (or one scope key of it) that must, or must not, be firing at a point. */
export interface PhaseCheck {
  kind: 'firing' | 'notFiring';
  where: Located;
  at: number;
  atText: string;
  rule: string;
  /** one scope key; any key when undefined */
  scope: string | undefined;
}

export interface PlannedSpec
  extends Omit<PlannedExpectation, 'start' | 'end' | 'onQueue' | 'heldByPublishWindow'> {
  start?: TimeMatch;
  end?: TimeMatch;
  onQueue?: [TimeMatch, TimeMatch];
  held?: boolean;
  /** as written, for the report */
  text: string;
}

export interface PassedOverSpec extends PassedOverExpectation {
  text: string;
}

/** What the planner did with the triggers in [from, to): the entries listed, and maybe nothing else. */
export interface WindowCheck {
  where: Located;
  from: number;
  to: number;
  fromText: string;
  toText: string;
  planned: Array<{ where: Located; spec: PlannedSpec }>;
  passedOver: Array<{ where: Located; spec: PassedOverSpec }>;
  nothingElse: Located | undefined;
}

/** One test, ready to replay: its samples, rules, schedule and every expectation resolved and checked. */
export interface Scenario {
  file: string;
  name: string;
  where: Located;
  /** the file's zone: its times are read, and the report's written, in it */
  zone: string;
  start: number;
  intervalMs: number;
  /** samples per trunk */
  samples: number;
  /** start + samples × interval: the series covers [start, end) */
  end: number;
  trunks: TrunkInput[];
  rules: RulesUnderTest;
  schedule: TestSchedule;
  publishWindow: PublishWindow | undefined;
  phases: PhaseCheck[];
  windows: WindowCheck[];
}

/** How many expectations a scenario holds: each rule listed, each adjustment, each nothingElse. */
export function expectationCount(s: Scenario): number {
  let n = s.phases.length;
  for (const w of s.windows) n += w.planned.length + w.passedOver.length + (w.nothingElse ? 1 : 0);
  return n;
}
