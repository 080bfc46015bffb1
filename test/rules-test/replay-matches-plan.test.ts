import { describe, expect, it } from 'vitest';
import type { NdjsonItem } from '../../src/events/ndjson.js';
import { dryRun } from '../../src/planner/dry-run.js';
import { Planner } from '../../src/planner/planner.js';
import { SnapshotScheduleSource } from '../../src/planner/snapshot-source.js';
import { prepareFile } from '../../src/rules-test/prepare.js';
import { replay, scenarioSamples } from '../../src/rules-test/replay.js';
import { RulesCache } from '../../src/rules-test/rules-source.js';
import type { Scenario } from '../../src/rules-test/scenario.js';
import { ScheduleCache } from '../../src/rules-test/schedule-source.js';
import { APAC_TESTS } from './support.js';

async function* asItems(s: Scenario): AsyncGenerator<NdjsonItem> {
  let line = 0;
  for (const sample of scenarioSamples(s)) yield { line: ++line, ok: true, sample };
}

const prepared = await prepareFile(APAC_TESTS, { rules: new RulesCache(), schedules: new ScheduleCache() });
if (!prepared.ok) throw new Error(`${APAC_TESTS} does not prepare: ${JSON.stringify(prepared.issues)}`);

describe("a test's replay", () => {
  it.each(prepared.scenarios.map((s) => [s.name, s] as const))(
    'plans what plan plans from the same samples, key for key: %s',
    async (_, s) => {
      const mine = await replay(s);
      const planned = await dryRun(
        s.rules.compiled,
        asItems(s),
        new Planner({
          source: new SnapshotScheduleSource(s.schedule.snapshot),
          businessUnit: s.schedule.businessUnit,
        }),
        {
          ...(s.publishWindow ? { publishWindow: s.publishWindow } : {}),
          zone: s.schedule.businessUnit.zone,
        },
      );
      expect(planned.adjustments.length).toBeGreaterThan(0);
      expect(mine.adjustments).toEqual(planned.adjustments);
      expect(mine.skipped).toEqual(planned.skipped);
      expect(mine.notes).toEqual(planned.notes);
      expect(mine.intents.length).toBe(planned.intents);
      expect(planned.events).toMatchObject({ late: 0, duplicates: 0, bad: 0 });
    },
  );

  it('records phase changes in event-time order, firing ones among them', async () => {
    const s = prepared.scenarios[0]!;
    const r = await replay(s);
    const extend = [...r.phases.get('sg-byoc-surge-extend')!.values()].flat();
    expect(extend.map((p) => p.to)).toEqual(['pending', 'firing', 'inactive']);
    expect(extend.map((p) => p.at)).toEqual([...extend.map((p) => p.at)].sort((a, b) => a - b));
  });
});
