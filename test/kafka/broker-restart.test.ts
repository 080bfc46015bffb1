import { randomUUID } from 'node:crypto';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { afterAll, expect, it } from 'vitest';
import {
  freePortPair,
  type LocalBroker,
  restartLocalBroker,
  startLocalBroker,
  stopLocalBroker,
} from './local-broker.js';
import { waitUntil } from './wait-until.js';

// Restarts its own broker, not the suite's: other test files run against that one in parallel.

let broker: LocalBroker | undefined;
afterAll(async () => {
  if (broker) await stopLocalBroker(broker.port, { purge: true });
});

function client(of: LocalBroker): Kafka {
  // Short first retry: the first group request waits for __consumer_offsets to be created.
  return new Kafka({
    clientId: 'broker-restart',
    brokers: [of.brokers],
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 100, retries: 10 },
  });
}

/**
 * Right after a restart the group coordinator replays __consumer_offsets and answers
 * COORDINATOR_LOAD_IN_PROGRESS, a retriable error that kafkajs' admin.fetchOffsets does not retry.
 */
async function committedOffset(admin: Admin, groupId: string, topic: string, partition: number) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return offsets?.partitions.find((p) => p.partition === partition)?.offset;
    } catch (error) {
      if ((error as { retriable?: unknown }).retriable !== true || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

it('a broker restarted on its data dir keeps its topics, messages and committed group offsets', async () => {
  broker = await startLocalBroker(await freePortPair());
  const topic = `restart-${randomUUID().slice(0, 8)}`;
  const groupId = `restart-group-${randomUUID().slice(0, 8)}`;

  const before = client(broker);
  const admin = before.admin();
  const producer = before.producer();
  await admin.connect();
  await producer.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
  await producer.send({ topic, messages: [{ partition: 0, value: 'before-restart' }] });
  await producer.disconnect();
  await admin.disconnect();
  const member = before.consumer({ groupId, maxWaitTimeInMs: 250 });
  await member.connect();
  let committed = false;
  await member.subscribe({ topic, fromBeginning: true });
  await member.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      await member.commitOffsets([{ topic, partition, offset: String(Number(message.offset) + 1) }]);
      committed = true;
    },
  });
  await waitUntil(() => committed, 'the group to commit its offset');
  await member.disconnect();

  broker = await restartLocalBroker(broker.port);

  const after = client(broker).admin();
  await after.connect();
  try {
    const metadata = await after.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0]?.partitions).toHaveLength(2);
    expect(await committedOffset(after, groupId, topic, 0)).toBe('1');
  } finally {
    await after.disconnect();
  }

  const consumer = client(broker).consumer({ groupId: `${groupId}-reader`, maxWaitTimeInMs: 250 });
  await consumer.connect();
  try {
    const values: string[] = [];
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => void values.push(message.value?.toString() ?? ''),
    });
    await waitUntil(() => values.length > 0, 'the message written before the restart');
    expect(values).toEqual(['before-restart']);
  } finally {
    await consumer.disconnect();
  }
});
