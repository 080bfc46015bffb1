import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEventsNdjson } from '../../../src/events/ndjson.js';
import type { Adjustment } from '../../../src/planner/adjustment.js';
import { dryRun } from '../../../src/planner/dry-run.js';
import { Planner } from '../../../src/planner/planner.js';
import { SnapshotScheduleSource } from '../../../src/planner/snapshot-source.js';
import { compileRules } from '../../../src/rules/compile.js';
import { loadRulesFile } from '../../../src/rules/load.js';
import { DEFAULT_PUBLISH_WINDOW } from '../../../src/time/publish-window.js';
import type { IsoWeekday } from '../../../src/time/schedule-week.js';
import { goldenSchedule } from '../../pipeline/support/harness.js';

/**
 * What `trunk-reactor plan` finds on `lines` with `rulesFile`: its dry run, in process, against
 * the golden schedule snapshot the WFM sandbox serves. The input tests and bench:arrivals hold
 * the pipeline's adjustments to it.
 */
export async function plannedAdjustments(rulesFile: string, lines: readonly string[]): Promise<Adjustment[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tr-plan-'));
  const file = join(dir, 'events.ndjson');
  try {
    writeFileSync(file, `${lines.join('\n')}\n`);
    const snapshot = goldenSchedule();
    const zone = snapshot.businessUnit.timeZone;
    const planner = new Planner({
      source: new SnapshotScheduleSource(snapshot),
      businessUnit: { zone, weekStart: snapshot.businessUnit.weekStart as IsoWeekday },
    });
    const rules = compileRules(await loadRulesFile(rulesFile));
    const report = await dryRun(rules, readEventsNdjson(file), planner, {
      publishWindow: DEFAULT_PUBLISH_WINDOW,
      zone,
    });
    return report.adjustments;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
