import { describe, expect, it } from 'vitest';
import { runDemo } from '../../src/demo/demo-run.js';
import { summaryTable } from '../../src/demo/summary.js';
import { MemoryKillSwitch } from '../../src/planner/kill-switch.js';

describe('the demo on embedded defaults', () => {
  it('replays the APAC scenario into the sandbox: every adjustment applied once, those the other integration raced after a version conflict, the publish-window ones deferred first', async () => {
    const s = await runDemo({
      rulesFile: 'config/rules.apac.yaml',
      scheduleFile: 'config/demo/apac-schedule.json',
      eventsFile: 'config/demo/apac-events.ndjson',
      otherIntegrationShare: 0.5,
      progress: () => {},
    });
    expect(s.events).toEqual({ read: 2403, accepted: 2400, bad: 1, late: 1, duplicates: 1 });
    expect(s.adjustments).toBeGreaterThan(0);
    expect(s.outcomes.applied).toBe(s.adjustments);
    // each change the other integration made between a read and a write is met as one conflict
    expect(s.conflicts.versionConflicts).toBeGreaterThan(0);
    expect(s.conflicts.versionConflicts).toBe(s.ledger.otherIntegration);
    expect(s.conflicts.resolved).toBeGreaterThan(0);
    expect(s.conflicts.lockedAnswers).toBeGreaterThan(0);
    expect(s.deferredThenApplied).toBeGreaterThan(0);
    const finals = s.outcomeRecords.filter((r) => r.status !== 'deferred');
    expect(new Set(finals.map((r) => r.key)).size).toBe(s.adjustments);
    expect(s.ledger.patches + s.ledger.swaps).toBe(s.adjustments);
    expect(s.skippedByKillSwitch).toBe(0);
    // people read the summary in Singapore time, UTC beside it; its JSON keeps UTC instants
    expect(s.publishWindows).toEqual([{ opensAt: '2026-11-28T18:00:00Z', closesAt: '2026-11-28T18:30:00Z' }]);
    const table = summaryTable(s);
    expect(table).toMatch(/^publish window +02:00–02:30 Sun 29 Nov \+08:00 \(18:00Z–18:30Z\)$/m);
    expect(table).toMatch(
      /^event time +09:00 Fri 27 Nov \+08:00 \(01:00Z\) – 02:48:04 Sun 29 Nov \+08:00 \(18:48:04Z\), times in Asia\/Singapore$/m,
    );
    expect(table).toMatch(
      new RegExp(`^version conflicts met \\(409 VERSION_CONFLICT\\) +${s.conflicts.versionConflicts}$`, 'm'),
    );
  });

  it('writes nothing while the kill switch is engaged: every intent is reported skipped', async () => {
    const killSwitch = new MemoryKillSwitch();
    await killSwitch.engage('test');
    const s = await runDemo({
      rulesFile: 'config/rules.apac.yaml',
      scheduleFile: 'config/demo/apac-schedule.json',
      eventsFile: 'config/demo/apac-events.ndjson',
      otherIntegrationShare: 0,
      progress: () => {},
      killSwitch,
    });
    expect(s.firings).toBeGreaterThan(0);
    expect(s.skippedByKillSwitch).toBe(s.firings);
    expect(s.adjustments).toBe(0);
    expect(s.ledger.patches + s.ledger.swaps).toBe(0);
  });
});
