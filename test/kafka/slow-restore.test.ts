import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConsumedMessage as KafkaMessage } from '../../src/kafka/port.js';
import { TransactionalStage } from '../../src/kafka/stage/transactional-stage.js';
import type { Output, PartitionWorker } from '../../src/kafka/stage/worker.js';
import { Probe } from '../../src/observability/pipeline-events.js';
import { PipelineTally } from '../../src/observability/pipeline-tally.js';
import { brokers, testClient } from '../pipeline/support/harness.js';
import { waitUntil } from './wait-until.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
});

const SESSION_TIMEOUT_MS = 6_000;

describe('a partition whose state takes long to restore', () => {
  it('is restored past the session timeout while the stage heartbeats: assigned once, its input processed', async () => {
    const kafka = testClient(brokers());
    const admin = kafka.admin();
    await admin.connect();
    cleanup.push(() => admin.disconnect());
    const id = `slow-restore-${randomUUID().slice(0, 8)}`;
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: id, numPartitions: 1 }] });
    const producer = kafka.producer();
    await producer.connect();
    cleanup.push(() => producer.disconnect());
    await producer.send({ topic: id, messages: [{ value: 'a' }, { value: 'b' }] });

    const processed: string[] = [];
    let opened = 0;
    let joins = 0;
    const probe = new Probe(id);
    const tally = new PipelineTally(probe);
    cleanup.push(async () => tally.close());
    const stage = new TransactionalStage({
      name: 'test',
      probe,
      kafka,
      admin,
      groupId: id,
      inputTopic: id,
      transactionalIdPrefix: id,
      transactionTimeoutMs: 30_000,
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      concurrency: 1,
      maxWaitTimeInMs: 100,
      // every assignment is logged: a rejoin after a missed session would be a second
      logger: {
        info: (_: unknown, msg?: string) => {
          if (msg === 'partitions assigned') joins++;
        },
        warn: () => {},
        error: () => {},
        debug: () => {},
      },
      onFatal: (err) => {
        throw err;
      },
      processor: {
        // as long as restoring a large state from a busy broker: well past the session timeout
        async open(positions) {
          opened++;
          await new Promise((r) => setTimeout(r, SESSION_TIMEOUT_MS * 2));
          const worker: PartitionWorker = {
            process(m: KafkaMessage, _out: Output) {
              processed.push(m.value?.toString() ?? '');
            },
            checkpoint: async () => undefined,
          };
          return new Map(positions.map((p) => [p.partition, worker]));
        },
      },
    });
    cleanup.push(() => stage.stop());
    await stage.start();
    await waitUntil(() => tally.stage('test').messages >= 2, 'both messages to commit', 60_000);
    expect(processed).toEqual(['a', 'b']);
    expect(joins).toBe(1);
    expect(opened).toBe(1);
  }, 90_000);
});
