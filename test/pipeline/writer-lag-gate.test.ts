import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { WriterLagGate } from '../../src/kafka/writer-lag-gate.js';
import { brokers, testKafka } from './support/harness.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
});

describe('rules-side backpressure (real broker)', () => {
  it('holds the rules stage while the writer group is more than maxLag behind, and lets it go once the writer commits', async () => {
    const kafka = testKafka(brokers());
    const admin = kafka.admin();
    await admin.connect();
    cleanup.push(() => admin.disconnect());
    const topic = `lag-${randomUUID().slice(0, 8)}.adjustments`;
    const writerGroupId = `lag-${randomUUID().slice(0, 8)}-writer`;
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 2 }] });
    const producer = kafka.producer();
    await producer.connect();
    cleanup.push(() => producer.disconnect());
    await producer.send({
      topic,
      messages: Array.from({ length: 50 }, (_, i) => ({ key: `agent-${i % 7}`, value: `{"n":${i}}` })),
    });

    const gate = new WriterLagGate({
      admin,
      writerGroupId,
      adjustmentsTopic: topic,
      maxLag: 10,
      pollMs: 100,
    });
    let beats = 0;
    let released = false;
    const waiting = gate
      .wait(
        async () => {
          beats++;
        },
        () => true,
      )
      .then(() => {
        released = true;
      });
    await new Promise((r) => setTimeout(r, 800));
    expect(released).toBe(false);
    expect(gate.lag).toBe(50);
    expect(beats).toBeGreaterThan(0); // the consumer's session stays alive while it waits

    // the writer catches up: its group commits the end offsets
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.setOffsets({
      groupId: writerGroupId,
      topic,
      partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })),
    });
    await waiting;
    expect(released).toBe(true);
    expect(gate.lag).toBe(0);
  }, 30_000);
});
