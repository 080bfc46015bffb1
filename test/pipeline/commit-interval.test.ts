import { randomUUID } from 'node:crypto';
import type { KafkaMessage } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { type Output, TransactionalStage } from '../../src/kafka/transactional-stage.js';
import { silentLogger } from '../../src/observability/logger.js';
import { waitUntil } from '../kafka/wait-until.js';
import { brokers, readTopic, testKafka } from './support/harness.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
});

/**
 * A stage whose worker forwards messages starting with '!' to an "effects" topic (the
 * rules stage's adjustments) and nothing else, with a commit interval far longer than
 * the test: what commits when, is then the stage's choice alone.
 */
describe('when the transactional stage commits (real broker)', () => {
  it('commits a slice with effects at the end of its batch, holds quiet input until the interval or stop, and loses none of it', async () => {
    const kafka = testKafka(brokers());
    const admin = kafka.admin();
    await admin.connect();
    cleanup.push(() => admin.disconnect());
    const id = `ci-${randomUUID().slice(0, 8)}`;
    const input = `${id}.in`;
    const effects = `${id}.effects`;
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: input, numPartitions: 1 },
        { topic: effects, numPartitions: 1 },
      ],
    });
    const producer = kafka.producer();
    await producer.connect();
    cleanup.push(() => producer.disconnect());
    const committed = async () => {
      const [t] = await admin.fetchOffsets({ groupId: id, topics: [input] });
      return Number(t?.partitions[0]?.offset ?? -1);
    };

    const processed: string[] = [];
    const stage = new TransactionalStage({
      name: 'test',
      kafka,
      admin,
      groupId: id,
      inputTopic: input,
      transactionalIdPrefix: id,
      transactionTimeoutMs: 30_000,
      sessionTimeoutMs: 10_000,
      concurrency: 1,
      maxWaitTimeInMs: 100,
      commitIntervalMs: 600_000,
      urgentTopics: new Set([effects]),
      logger: silentLogger,
      onFatal: (err) => {
        throw err;
      },
      processor: {
        async open(positions) {
          return new Map(
            positions.map((p) => [
              p.partition,
              {
                process(m: KafkaMessage, out: Output) {
                  const v = m.value?.toString() ?? '';
                  processed.push(v);
                  if (v.startsWith('!')) out.send(effects, { key: null, value: v });
                },
                async checkpoint() {
                  return undefined;
                },
              },
            ]),
          );
        },
      },
    });
    await stage.start();
    cleanup.push(() => stage.stop());

    await producer.send({ topic: input, messages: ['a', 'b', 'c'].map((value) => ({ value })) });
    await waitUntil(() => processed.length === 3, 'the quiet messages to be processed');
    // processed, but nothing waits for them: no transaction yet
    expect(await committed()).toBe(-1);

    await producer.send({ topic: input, messages: [{ value: '!effect' }] });
    const out = await readTopic(kafka, effects, 1, 30_000);
    expect(out.map((r) => r.value)).toEqual(['!effect']);
    // the effect's transaction carried the quiet messages before it too
    await waitUntil(async () => (await committed()) === 4, 'offset 4 to be committed');

    await producer.send({ topic: input, messages: ['d', 'e'].map((value) => ({ value })) });
    await waitUntil(() => processed.length === 6, 'the last quiet messages to be processed');
    expect(await committed()).toBe(4);
    // stopping commits what was processed: nothing is handed to the next owner twice
    await stage.stop();
    expect(await committed()).toBe(6);
    expect(processed).toEqual(['a', 'b', 'c', '!effect', 'd', 'e']);
  });
  it('after a failed batch, processes again from the committed offset: no message of the open slice is skipped', async () => {
    const kafka = testKafka(brokers());
    const admin = kafka.admin();
    await admin.connect();
    cleanup.push(() => admin.disconnect());
    const id = `cf-${randomUUID().slice(0, 8)}`;
    const input = `${id}.in`;
    const effects = `${id}.effects`;
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: input, numPartitions: 1 },
        { topic: effects, numPartitions: 1 },
      ],
    });
    const producer = kafka.producer();
    await producer.connect();
    cleanup.push(() => producer.disconnect());

    // what each opened worker saw: a fresh worker per opening (state restored from the commit)
    const openings: string[][] = [];
    let failOnce = true;
    const stage = new TransactionalStage({
      name: 'test',
      kafka,
      admin,
      groupId: id,
      inputTopic: input,
      transactionalIdPrefix: id,
      transactionTimeoutMs: 30_000,
      sessionTimeoutMs: 10_000,
      concurrency: 1,
      maxWaitTimeInMs: 100,
      commitIntervalMs: 600_000,
      urgentTopics: new Set([effects]),
      logger: silentLogger,
      onFatal: (err) => {
        throw err;
      },
      processor: {
        async open(positions) {
          const seen: string[] = [];
          openings.push(seen);
          return new Map(
            positions.map((p) => [
              p.partition,
              {
                process(m: KafkaMessage, out: Output) {
                  const v = m.value?.toString() ?? '';
                  // a planner read that fails once, after the engine took the message
                  seen.push(v);
                  if (v === '!effect' && failOnce) {
                    failOnce = false;
                    throw new Error('the WFM did not answer');
                  }
                  if (v.startsWith('!')) out.send(effects, { key: null, value: v });
                },
                async checkpoint() {
                  return undefined;
                },
              },
            ]),
          );
        },
      },
    });
    await stage.start();
    cleanup.push(() => stage.stop());

    // quiet messages processed into an open slice (nothing committed), in their own batch
    await producer.send({ topic: input, messages: ['a', 'b', 'c'].map((value) => ({ value })) });
    await waitUntil(() => openings.flat().length === 3, 'the quiet messages to be processed');
    await producer.send({ topic: input, messages: [{ value: '!effect' }] });
    const out = await readTopic(kafka, effects, 1, 60_000);
    expect(out.map((r) => r.value)).toEqual(['!effect']);
    await waitUntil(async () => {
      const [t] = await admin.fetchOffsets({ groupId: id, topics: [input] });
      return Number(t?.partitions[0]?.offset ?? -1) === 4;
    }, 'offset 4 to be committed');
    // the second opening started again at the committed offset: a, b, c were not lost
    expect(openings.at(-1)).toEqual(['a', 'b', 'c', '!effect']);
  });
});
