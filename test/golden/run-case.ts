import { readFile } from 'node:fs/promises';
import { readEventsNdjson } from '../../src/events/ndjson.js';
import { type DryRunReport, dryRun } from '../../src/planner/dry-run.js';
import { Planner } from '../../src/planner/planner.js';
import { SnapshotScheduleSource } from '../../src/planner/snapshot-source.js';
import { compileRules } from '../../src/rules/compile.js';
import { loadRulesFile } from '../../src/rules/load.js';
import { DEFAULT_PUBLISH_WINDOW } from '../../src/time/publish-window.js';
import type { IsoWeekday } from '../../src/time/schedule-week.js';
import { ScheduleSnapshot } from '../../src/wfm/snapshot.js';

/** A golden case is a folder with rules.yaml, events.ndjson, schedule.json and expected.json. */
export async function runCase(dir: string): Promise<DryRunReport> {
  const rules = compileRules(await loadRulesFile(`${dir}/rules.yaml`));
  const snapshot = ScheduleSnapshot.parse(JSON.parse(await readFile(`${dir}/schedule.json`, 'utf8')));
  const planner = new Planner({
    source: new SnapshotScheduleSource(snapshot),
    businessUnit: {
      zone: snapshot.businessUnit.timeZone,
      weekStart: snapshot.businessUnit.weekStart as IsoWeekday,
    },
  });
  return dryRun(rules, readEventsNdjson(`${dir}/events.ndjson`), planner, {
    publishWindow: DEFAULT_PUBLISH_WINDOW,
    zone: snapshot.businessUnit.timeZone,
  });
}
