import { describe, expect, inject, it } from 'vitest';
import { runDemo } from '../../src/demo/demo-run.js';
import { testKafka } from '../pipeline/support/harness.js';

const files = {
  rulesFile: 'config/rules.apac.yaml',
  scheduleFile: 'config/demo/apac-schedule.json',
  eventsFile: 'config/demo/apac-events.ndjson',
};

const brokers = () => (inject('kafkaBrokers') as string).split(',');

describe('the demo through Kafka', () => {
  it('runs the APAC story through fresh topics and the pipeline: the same story as in process, every adjustment applied once, the raced ones after a version conflict, the publish-window ones deferred first', async () => {
    const progress: number[] = [];
    const s = await runDemo({
      ...files,
      otherIntegrationShare: 0.5,
      progress: (done) => progress.push(done),
      kafka: { brokers: brokers() },
    });
    const memory = await runDemo({ ...files, otherIntegrationShare: 0.5, progress: () => {} });

    expect(s.source).toBe('kafka');
    expect(s.events).toEqual({ read: 2403, accepted: 2400, bad: 1, late: 1, duplicates: 1 });
    expect(progress.at(-1)).toBe(2403);
    expect(s.adjustments).toBeGreaterThan(0);
    expect(s.outcomes).toEqual({ applied: s.adjustments });
    // each change the other integration made between a read and a write is met as one conflict
    expect(s.conflicts.versionConflicts).toBeGreaterThan(0);
    expect(s.conflicts.versionConflicts).toBe(s.ledger.otherIntegration);
    expect(s.conflicts.resolved).toBeGreaterThan(0);
    expect(s.conflicts.lockedAnswers).toBeGreaterThan(0);
    expect(s.deferredThenApplied).toBeGreaterThan(0);
    expect(s.ledger.patches + s.ledger.swaps).toBe(s.adjustments);
    const finals = s.outcomeRecords.filter((r) => r.status !== 'deferred');
    expect(new Set(finals.map((r) => r.key)).size).toBe(s.adjustments);
    // the same decisions as the in-process replay: event time decides, not the transport
    expect({
      firings: s.firings,
      adjustments: s.adjustments,
      deferred: s.deferredThenApplied,
      versionConflicts: s.conflicts.versionConflicts,
      resolved: s.conflicts.resolved,
    }).toEqual({
      firings: memory.firings,
      adjustments: memory.adjustments,
      deferred: memory.deferredThenApplied,
      versionConflicts: memory.conflicts.versionConflicts,
      resolved: memory.conflicts.resolved,
    });
    expect(new Set(finals.map((r) => r.key))).toEqual(
      new Set(memory.outcomeRecords.filter((r) => r.status !== 'deferred').map((r) => r.key)),
    );

    // its generated topics are gone
    const admin = testKafka(brokers()).admin();
    await admin.connect();
    const left = (await admin.listTopics()).filter((t) => t.startsWith(`${s.kafka?.topicPrefix}.`));
    await admin.disconnect();
    expect(s.kafka?.deleted).toBe(true);
    expect(left).toEqual([]);
  }, 90_000);

  it('refuses topics that already exist instead of mixing two stories', async () => {
    const prefix = `demo-taken-${Date.now()}`;
    const admin = testKafka(brokers()).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: `${prefix}.events`, numPartitions: 1 }] });
    await admin.disconnect();
    await expect(
      runDemo({
        ...files,
        otherIntegrationShare: 0,
        progress: () => {},
        kafka: { brokers: brokers(), topicPrefix: prefix },
      }),
    ).rejects.toThrow(`topic ${prefix}.events already exists`);
  });
});
