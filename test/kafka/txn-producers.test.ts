import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { KAFKA_RETRY } from '../../src/kafka/kafka-retry.js';
import { TransactionalProducers } from '../../src/kafka/kafkajs/txn-producers.js';
import { systemClock } from '../../src/time/clock.js';
import { brokers } from '../pipeline/support/harness.js';
import { waitUntil } from './wait-until.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
});

/** the `type` of a kafkajs error or of one of its causes */
function typesOf(err: unknown): string[] {
  const out: string[] = [];
  for (let e = err as { type?: string; cause?: unknown } | undefined, i = 0; e && i < 8; i++) {
    if (e.type) out.push(e.type);
    e = e.cause as typeof e;
  }
  return out;
}

describe('transactional producers retry sends without a count', () => {
  it('a send still ends once the coordinator expired its transaction (the next request is fenced)', async () => {
    const kafka = new Kafka({
      clientId: 'txn-producers-test',
      brokers: brokers(),
      logLevel: logLevel.NOTHING,
      retry: { ...KAFKA_RETRY },
    });
    const admin = kafka.admin();
    await admin.connect();
    cleanup.push(() => admin.disconnect());
    const topic = `txn-expiry-${randomUUID().slice(0, 8)}`;
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
    cleanup.push(() => admin.deleteTopics({ topics: [topic] }));

    // a transaction timeout far below the test's length: the coordinator aborts the open
    // transaction at its next expiry check (every 10 s by default) and bumps the epoch
    const producers = new TransactionalProducers(kafka, topic, 1_000, systemClock);
    cleanup.push(() => producers.releaseAll());
    const txn = await (await producers.get(0)).transaction();
    await txn.sendBatch({ topicMessages: [{ topic, messages: [{ value: 'first' }] }] });

    let failure: unknown;
    await waitUntil(
      async () => {
        try {
          await txn.sendBatch({ topicMessages: [{ topic, messages: [{ value: 'more' }] }] });
          return false;
        } catch (err) {
          failure = err;
          return true;
        }
      },
      'a send of the expired transaction to fail',
      45_000,
    );
    expect(typesOf(failure)).toContain('INVALID_PRODUCER_EPOCH');
  }, 60_000);
});
