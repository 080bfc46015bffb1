import { randomUUID } from 'node:crypto';
import type { KafkaMessage } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { committedPositions, type Output, TransactionalStage } from '../../src/kafka/transactional-stage.js';
import { silentLogger } from '../../src/observability/logger.js';
import { waitUntil } from '../kafka/wait-until.js';
import { brokers, readTopic, testKafka } from './support/harness.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
});

/**
 * A one-partition stage whose worker forwards messages starting with '!' to an "effects"
 * topic (the rules stage's adjustments) and nothing else, with a commit interval (and, unless
 * `idleCommitMs` is given, an idle commit) far longer than the test: what commits when is then
 * the stage's choice alone. `process` sees each
 * message first (and may throw, like a failing planner); `onOpen` is told of every opening
 * of the partition (a fresh worker, its state restored from the commit).
 */
async function effectsStage(
  prefix: string,
  hooks: {
    process?: (value: string) => void;
    onOpen?: () => void;
    idleCommitMs?: number;
    /** what each cut slice waits for before its transaction (the rules stage's intents) */
    settled?: () => Promise<void>;
    maxTransactionBytes?: number;
    /** a state record per slice (its value: the next offset) on a `.state` topic */
    stateful?: boolean;
  } = {},
) {
  const kafka = testKafka(brokers());
  const admin = kafka.admin();
  await admin.connect();
  cleanup.push(() => admin.disconnect());
  const id = `${prefix}-${randomUUID().slice(0, 8)}`;
  const input = `${id}.in`;
  const effects = `${id}.effects`;
  const state = `${id}.state`;
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: input, numPartitions: 1 },
      { topic: effects, numPartitions: 1 },
      { topic: state, numPartitions: 1 },
    ],
  });
  const producer = kafka.producer();
  await producer.connect();
  cleanup.push(() => producer.disconnect());
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
    idleCommitMs: hooks.idleCommitMs ?? 600_000,
    urgentTopics: new Set([effects]),
    ...(hooks.maxTransactionBytes !== undefined ? { maxTransactionBytes: hooks.maxTransactionBytes } : {}),
    logger: silentLogger,
    onFatal: (err) => {
      throw err;
    },
    processor: {
      async open(positions) {
        hooks.onOpen?.();
        return new Map(
          positions.map((p) => [
            p.partition,
            {
              process(m: KafkaMessage, out: Output) {
                const v = m.value?.toString() ?? '';
                hooks.process?.(v);
                if (v.startsWith('!')) out.send(effects, { key: null, value: v });
              },
              async checkpoint(next: string) {
                return hooks.stateful
                  ? { topic: state, message: { key: 'p0', value: next, partition: 0 } }
                  : undefined;
              },
              ...(hooks.settled ? { settled: hooks.settled } : {}),
            },
          ]),
        );
      },
    },
  });
  await stage.start();
  cleanup.push(() => stage.stop());
  return {
    stage,
    send: (values: string[]) => producer.send({ topic: input, messages: values.map((value) => ({ value })) }),
    effects: (count: number) => readTopic(kafka, effects, count, 60_000),
    states: (count: number) => readTopic(kafka, state, count, 10_000),
    committed: async () => {
      const [t] = await admin.fetchOffsets({ groupId: id, topics: [input] });
      return Number(t?.partitions[0]?.offset ?? -1);
    },
    pointer: async () => (await committedPositions(admin, id, input, [0]))[0]?.state,
  };
}

/** A `settled()` for the stage's worker that holds every slice's transaction until `open()`. */
function heldGate(): { settled: () => Promise<void>; open: () => void } {
  let open!: () => void;
  const gate = new Promise<void>((r) => {
    open = r;
  });
  return { settled: () => gate, open };
}

/** Sends each value alone and waits until it is processed, so each is a batch (and a slice) of its own. */
async function sendOneBatchEach(
  s: { send: (values: string[]) => Promise<unknown> },
  values: string[],
  processed: readonly string[],
): Promise<void> {
  const before = processed.length;
  for (const [i, v] of values.entries()) {
    await s.send([v]);
    await waitUntil(() => processed.length === before + i + 1, `${v} to be processed`);
  }
}

describe('when the transactional stage commits (real broker)', () => {
  it('commits a slice with effects at the end of its batch, holds quiet input until the interval or stop, and loses none of it', async () => {
    const processed: string[] = [];
    const s = await effectsStage('ci', { process: (v) => processed.push(v) });

    await s.send(['a', 'b', 'c']);
    await waitUntil(() => processed.length === 3, 'the quiet messages to be processed');
    // processed, but nothing waits for them: no transaction yet
    expect(await s.committed()).toBe(-1);

    await s.send(['!effect']);
    expect((await s.effects(1)).map((r) => r.value)).toEqual(['!effect']);
    // the effect's transaction carried the quiet messages before it too
    await waitUntil(async () => (await s.committed()) === 4, 'offset 4 to be committed');

    await s.send(['d', 'e']);
    await waitUntil(() => processed.length === 6, 'the last quiet messages to be processed');
    expect(await s.committed()).toBe(4);
    // stopping commits what was processed: nothing is handed to the next owner twice
    await s.stage.stop();
    expect(await s.committed()).toBe(6);
    expect(processed).toEqual(['a', 'b', 'c', '!effect', 'd', 'e']);
  });

  it('after a failed batch, processes again from the committed offset: no message of the open slice is skipped', async () => {
    // what each opening of the partition saw
    const openings: string[][] = [];
    let failOnce = true;
    const s = await effectsStage('cf', {
      onOpen: () => openings.push([]),
      process: (v) => {
        openings.at(-1)?.push(v);
        // a planner read that fails once, after the engine took the message
        if (v === '!effect' && failOnce) {
          failOnce = false;
          throw new Error('the WFM did not answer');
        }
      },
    });

    // quiet messages processed into an open slice (nothing committed), in their own batch
    await s.send(['a', 'b', 'c']);
    await waitUntil(() => openings.flat().length === 3, 'the quiet messages to be processed');
    await s.send(['!effect']);
    expect((await s.effects(1)).map((r) => r.value)).toEqual(['!effect']);
    await waitUntil(async () => (await s.committed()) === 4, 'offset 4 to be committed');
    // the second opening started again at the committed offset: a, b, c were not lost
    expect(openings.at(-1)).toEqual(['a', 'b', 'c', '!effect']);
  });

  it('once caught up, commits quiet input after the idle time, without waiting for the interval', async () => {
    const processed: string[] = [];
    const s = await effectsStage('cu', { process: (v) => processed.push(v), idleCommitMs: 300 });

    await s.send(['a', 'b', 'c']);
    await waitUntil(() => processed.length === 3, 'the quiet messages to be processed');
    // the partition is at its end and no batch follows: committed after the idle time,
    // long before the 10-minute interval
    await waitUntil(async () => (await s.committed()) === 3, 'offset 3 to be committed', 10_000);
    await s.send(['d']);
    await waitUntil(async () => (await s.committed()) === 4, 'offset 4 to be committed', 10_000);
    expect(processed).toEqual(['a', 'b', 'c', 'd']);
  });

  it('folds slices cut while a transaction waits into the next one: two transactions for a burst, effects in order, the last state', async () => {
    // the first slice's transaction waits for its "intents" until the gate opens; the three
    // slices cut meanwhile (one per batch) wait behind it and commit together
    const gate = heldGate();
    const processed: string[] = [];
    const s = await effectsStage('cm', {
      process: (v) => processed.push(v),
      settled: gate.settled,
      stateful: true,
    });

    await sendOneBatchEach(s, ['!e1', '!e2', '!e3', '!e4'], processed);
    expect(await s.committed()).toBe(-1);
    gate.open();
    expect((await s.effects(4)).map((r) => r.value)).toEqual(['!e1', '!e2', '!e3', '!e4']);
    await waitUntil(async () => (await s.committed()) === 4, 'offset 4 to be committed');
    expect(s.stage.stats.batches).toBe(2);
    expect(s.stage.stats.messages).toBe(4);
    expect(s.stage.stats.emitted).toBe(4);
    // one state record per transaction, the folded one's taken at the last slice's cut
    expect((await s.states(2)).map((r) => r.value)).toEqual(['1', '4']);
    expect(await s.pointer()).toBeDefined();
  });

  it('does not fold a slice into a waiting transaction past the transaction byte cap', async () => {
    const gate = heldGate();
    const processed: string[] = [];
    // each effect counts ~70 bytes: one slice fits the cap, two do not
    const s = await effectsStage('cb', {
      process: (v) => processed.push(v),
      settled: gate.settled,
      maxTransactionBytes: 100,
    });

    await sendOneBatchEach(s, ['!e1', '!e2', '!e3'], processed);
    gate.open();
    expect((await s.effects(3)).map((r) => r.value)).toEqual(['!e1', '!e2', '!e3']);
    await waitUntil(async () => (await s.committed()) === 3, 'offset 3 to be committed');
    expect(s.stage.stats.batches).toBe(3);
  });

  it('takes an assigned partition over (producer, committed offset, state) on assignment, before its first message', async () => {
    let openings = 0;
    const processed: string[] = [];
    const s = await effectsStage('co', { onOpen: () => openings++, process: (v) => processed.push(v) });
    // a quiet input (the planning stage's until a rule acts): opened all the same
    await waitUntil(() => openings === 1, 'the partition to be opened on assignment');
    await s.send(['!e1']);
    expect((await s.effects(1)).map((r) => r.value)).toEqual(['!e1']);
    // the first message used that opening
    expect(openings).toBe(1);
    expect(processed).toEqual(['!e1']);
  });
});
