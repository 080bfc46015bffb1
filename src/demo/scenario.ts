import { readFileSync } from 'node:fs';
import { type NdjsonItem, readEventsNdjson } from '../events/ndjson.js';
import { ruleInfoFrom, StatusModel } from '../observability/status-model.js';
import { type CompiledRuleSet, compileRules } from '../rules/compile.js';
import { loadRulesFile } from '../rules/load.js';
import type { RulesFile } from '../rules/schema.js';
import { ScheduleSnapshot } from '../wfm/snapshot.js';

/** The demo's recorded story: the schedule, the rules, and the events with their raw lines. */
export interface Scenario {
  snapshot: ScheduleSnapshot;
  rulesFile: RulesFile;
  rules: CompiledRuleSet;
  items: NdjsonItem[];
  /** each non-blank line of the events file, as read (what goes into Kafka) */
  lines: string[];
  /** the files it was read from */
  files: ScenarioFiles;
  /** the first and last valid event time, epoch ms */
  start: number;
  end: number;
}

export interface ScenarioFiles {
  rulesFile: string;
  scheduleFile: string;
  eventsFile: string;
}

const DAY_MS = 86_400_000;

export async function loadScenario(o: ScenarioFiles): Promise<Scenario> {
  const snapshot = ScheduleSnapshot.parse(JSON.parse(readFileSync(o.scheduleFile, 'utf8')));
  const rulesFile = await loadRulesFile(o.rulesFile);
  const rules = compileRules(rulesFile);
  const items: NdjsonItem[] = [];
  for await (const item of readEventsNdjson(o.eventsFile)) items.push(item);
  const lines = readFileSync(o.eventsFile, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  const times = items.flatMap((i) => (i.ok ? [i.sample.time] : []));
  if (times.length === 0) throw new Error(`${o.eventsFile}: no valid events to replay`);
  return {
    files: { rulesFile: o.rulesFile, scheduleFile: o.scheduleFile, eventsFile: o.eventsFile },
    snapshot,
    rulesFile,
    rules,
    items,
    lines,
    start: Math.min(...times),
    end: Math.max(...times),
  };
}

/** The status page's model, keeping the whole recorded story (Friday to Sunday night) on its plot. */
export function scenarioModel(s: Scenario): StatusModel {
  return new StatusModel({
    rules: ruleInfoFrom(s.rules),
    horizonMs: s.end - s.start + DAY_MS,
    zone: s.snapshot.businessUnit.timeZone,
  });
}
