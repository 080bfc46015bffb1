import { randomUUID } from 'node:crypto';
import { type Admin, type Consumer, Kafka, logLevel, type Producer } from 'kafkajs';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { waitUntil } from './wait-until.js';

// Proves that kafkajs 2.2.4 and the pinned test broker (scripts/kafka) agree on everything the
// pipeline relies on: admin, produce, consumer groups and transactions. If one of these fails after
// a Kafka version bump, the bump is what broke.

const kafka = new Kafka({
  clientId: 'broker-smoke',
  brokers: inject('kafkaBrokers').split(','),
  logLevel: logLevel.NOTHING,
});

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

function uniqueName(what: string): string {
  return `smoke-${what}-${randomUUID().slice(0, 8)}`;
}

async function connectedAdmin(): Promise<Admin> {
  const admin = kafka.admin();
  await admin.connect();
  closers.push(() => admin.disconnect());
  return admin;
}

async function connectedProducer(config: Parameters<Kafka['producer']>[0] = {}): Promise<Producer> {
  const producer = kafka.producer(config);
  await producer.connect();
  closers.push(() => producer.disconnect());
  return producer;
}

async function connectedConsumer(config: Parameters<Kafka['consumer']>[0]): Promise<Consumer> {
  // kafkajs defaults suit production, not tests: a fetch parks up to 5 s on an idle partition (and
  // disconnect waits for it), and members notice a rebalance only on their next 3 s heartbeat.
  const consumer = kafka.consumer({ maxWaitTimeInMs: 250, heartbeatInterval: 500, ...config });
  await consumer.connect();
  closers.push(() => consumer.disconnect());
  return consumer;
}

async function createTopic(topic: string, numPartitions: number): Promise<void> {
  const admin = await connectedAdmin();
  await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true });
}

/** Reads `topic` from the beginning until `done` says so; returns the values in arrival order. */
async function readValues(
  topic: string,
  readUncommitted: boolean,
  done: (values: string[]) => boolean,
): Promise<string[]> {
  const consumer = await connectedConsumer({ groupId: uniqueName('reader'), readUncommitted });
  await consumer.subscribe({ topic, fromBeginning: true });
  const values: string[] = [];
  await consumer.run({
    eachMessage: async ({ message }) => {
      values.push(message.value?.toString() ?? '');
    },
  });
  await waitUntil(() => done(values), `reading ${topic}, got [${values.join(', ')}]`);
  return values;
}

describe('test Kafka broker', () => {
  it('exposes its address to test workers through inject and KAFKA_BROKERS', () => {
    expect(inject('kafkaBrokers')).toMatch(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/);
    expect(process.env.KAFKA_BROKERS).toBe(inject('kafkaBrokers'));
  });

  it('admin creates a topic with several partitions', async () => {
    const topic = uniqueName('admin');
    const admin = await connectedAdmin();

    const created = await admin.createTopics({ topics: [{ topic, numPartitions: 6 }], waitForLeaders: true });

    expect(created).toBe(true);
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0]?.partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(await admin.listTopics()).toContain(topic);
  });

  it('a producer writes keyed messages that a consumer reads back in partition order', async () => {
    const topic = uniqueName('produce');
    await createTopic(topic, 3);
    const producer = await connectedProducer();

    const sent = Array.from({ length: 12 }, (_, i) => ({ key: `trunk-${i % 4}`, value: `sample-${i}` }));
    const results = await producer.send({ topic, messages: sent });

    expect(results.every((r) => r.errorCode === 0)).toBe(true);
    const values = await readValues(topic, false, (v) => v.length >= sent.length);
    expect([...values].sort()).toEqual(sent.map((m) => m.value).sort());
    // One key always lands on one partition, so each trunk's samples arrive in the order sent.
    for (let trunk = 0; trunk < 4; trunk++) {
      const ofTrunk = sent.filter((m) => m.key === `trunk-${trunk}`).map((m) => m.value);
      expect(values.filter((v) => ofTrunk.includes(v))).toEqual(ofTrunk);
    }
  });

  it('two consumers in one group share the partitions and together read every message once', async () => {
    const topic = uniqueName('group');
    const groupId = uniqueName('group');
    await createTopic(topic, 4);
    const members = ['a', 'b'].map((name) => ({
      name,
      assigned: [] as number[],
      received: [] as Array<{ partition: number; value: string }>,
    }));

    for (const member of members) {
      const consumer = await connectedConsumer({ groupId });
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
        member.assigned = payload.memberAssignment[topic] ?? [];
      });
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          member.received.push({ partition, value: message.value?.toString() ?? '' });
        },
      });
    }
    const [a, b] = members as [(typeof members)[0], (typeof members)[0]];
    await waitUntil(
      () =>
        a.assigned.length > 0 &&
        b.assigned.length > 0 &&
        new Set([...a.assigned, ...b.assigned]).size === 4 &&
        a.assigned.length + b.assigned.length === 4,
      () => `both members assigned, got a=[${a.assigned}] b=[${b.assigned}]`,
    );

    const producer = await connectedProducer();
    const sent = Array.from({ length: 16 }, (_, i) => ({ partition: i % 4, value: `m-${i}` }));
    await producer.send({ topic, messages: sent });

    await waitUntil(
      () => a.received.length + b.received.length >= sent.length,
      () => `group read ${a.received.length + b.received.length} of ${sent.length}`,
    );
    const all = [...a.received, ...b.received].map((r) => r.value).sort();
    expect(all).toEqual(sent.map((m) => m.value).sort());
    for (const member of members) {
      expect(member.received.length).toBeGreaterThan(0);
      expect(member.received.every((r) => member.assigned.includes(r.partition))).toBe(true);
    }
  });

  it('a read_committed consumer sees a committed transaction and never an aborted one', async () => {
    const topic = uniqueName('txn');
    await createTopic(topic, 1);
    const producer = await connectedProducer({
      transactionalId: uniqueName('txn-producer'),
      idempotent: true,
      maxInFlightRequests: 1,
    });

    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: [{ value: 'aborted-1' }, { value: 'aborted-2' }] });
    await aborted.abort();
    const committed = await producer.transaction();
    await committed.send({ topic, messages: [{ value: 'committed-1' }] });
    await committed.commit();

    // Same partition, and the aborted records come first: once the committed record is read,
    // the aborted ones have been passed over.
    const readCommitted = await readValues(topic, false, (v) => v.includes('committed-1'));
    expect(readCommitted).toEqual(['committed-1']);
    // The aborted records were really written: a read_uncommitted consumer sees them.
    const readUncommitted = await readValues(topic, true, (v) => v.includes('committed-1'));
    expect(readUncommitted).toEqual(['aborted-1', 'aborted-2', 'committed-1']);
  });

  it('sendOffsets commits consumed offsets atomically with the produced output', async () => {
    const input = uniqueName('txn-in');
    const output = uniqueName('txn-out');
    const groupId = uniqueName('txn-group');
    await createTopic(input, 2);
    await createTopic(output, 1);
    const admin = await connectedAdmin();
    const plain = await connectedProducer();
    await plain.send({ topic: input, messages: ['a', 'b', 'c'].map((value) => ({ partition: 0, value })) });
    const producer = await connectedProducer({
      transactionalId: uniqueName('txn-processor'),
      idempotent: true,
      maxInFlightRequests: 1,
    });

    // Consume-transform-produce: each input message's output and its offset commit are one transaction.
    const consumer = await connectedConsumer({ groupId });
    await consumer.subscribe({ topic: input, fromBeginning: true });
    let processed = 0;
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        const txn = await producer.transaction();
        await txn.send({ topic: output, messages: [{ value: `processed-${message.value?.toString()}` }] });
        await txn.sendOffsets({
          consumerGroupId: groupId,
          topics: [{ topic, partitions: [{ partition, offset: String(Number(message.offset) + 1) }] }],
        });
        await txn.commit();
        processed++;
      },
    });
    await waitUntil(
      () => processed === 3,
      () => `processed ${processed} of 3`,
    );
    await consumer.stop();

    const committedOffset = async (partition: number) => {
      const [topic] = await admin.fetchOffsets({ groupId, topics: [input] });
      return topic?.partitions.find((p) => p.partition === partition)?.offset;
    };
    // Offsets written in a transaction become visible once its markers are written, just after commit().
    await waitUntil(async () => (await committedOffset(0)) === '3', 'group offset 3 on partition 0');
    const outputs = await readValues(output, false, (v) => v.length >= 3);
    expect(outputs).toEqual(['processed-a', 'processed-b', 'processed-c']);

    // An aborted transaction's offsets are discarded. The committed one after it, on partition 1, is
    // written to the same offsets partition after the abort, so once it shows, the abort is settled.
    // Each transaction sends before sendOffsets: kafkajs retries a send refused with
    // CONCURRENT_TRANSACTIONS while the previous transaction's markers are written, but not sendOffsets.
    const abortedTxn = await producer.transaction();
    await abortedTxn.send({ topic: output, messages: [{ value: 'aborted' }] });
    await abortedTxn.sendOffsets({
      consumerGroupId: groupId,
      topics: [{ topic: input, partitions: [{ partition: 0, offset: '1' }] }],
    });
    await abortedTxn.abort();
    const laterTxn = await producer.transaction();
    await laterTxn.send({ topic: output, messages: [{ value: 'later' }] });
    await laterTxn.sendOffsets({
      consumerGroupId: groupId,
      topics: [{ topic: input, partitions: [{ partition: 1, offset: '0' }] }],
    });
    await laterTxn.commit();
    await waitUntil(async () => (await committedOffset(1)) === '0', 'group offset 0 on partition 1');
    expect(await committedOffset(0)).toBe('3');
  });
});
