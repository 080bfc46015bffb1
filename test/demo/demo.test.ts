import { describe, expect, it } from 'vitest';
import { runDemo } from '../../src/demo/demo-run.js';
import { MemoryKillSwitch } from '../../src/planner/kill-switch.js';

describe('the demo on embedded defaults', () => {
  it('replays the APAC scenario into the sandbox: every adjustment applied once, the publish-window ones deferred first', async () => {
    const s = await runDemo({
      rulesFile: 'config/rules.apac.yaml',
      scheduleFile: 'config/demo/apac-schedule.json',
      eventsFile: 'config/demo/apac-events.ndjson',
      otherIntegrationPerSecond: 50,
      progress: () => {},
    });
    expect(s.events).toEqual({ read: 2403, accepted: 2400, bad: 1, late: 1, duplicates: 1 });
    expect(s.adjustments).toBeGreaterThan(0);
    expect(s.outcomes.applied).toBe(s.adjustments);
    expect(s.conflicts.lockedAnswers).toBeGreaterThan(0);
    expect(s.deferredThenApplied).toBeGreaterThan(0);
    const finals = s.outcomeRecords.filter((r) => r.status !== 'deferred');
    expect(new Set(finals.map((r) => r.key)).size).toBe(s.adjustments);
    expect(s.ledger.patches + s.ledger.swaps).toBe(s.adjustments);
    expect(s.skippedByKillSwitch).toBe(0);
  });

  it('writes nothing while the kill switch is engaged: every intent is reported skipped', async () => {
    const killSwitch = new MemoryKillSwitch();
    await killSwitch.engage('test');
    const s = await runDemo({
      rulesFile: 'config/rules.apac.yaml',
      scheduleFile: 'config/demo/apac-schedule.json',
      eventsFile: 'config/demo/apac-events.ndjson',
      otherIntegrationPerSecond: 0,
      progress: () => {},
      killSwitch,
    });
    expect(s.firings).toBeGreaterThan(0);
    expect(s.skippedByKillSwitch).toBe(s.firings);
    expect(s.adjustments).toBe(0);
    expect(s.ledger.patches + s.ledger.swaps).toBe(0);
  });
});
