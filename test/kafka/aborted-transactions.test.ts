import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AbortedTransaction,
  type FetchedRecord,
  filterAbortedMessages,
} from '../../src/kafka/kafkajs/aborted-transactions.js';
import { runInFreshProcess } from './kafkajs-parts.js';

const ABORT = Buffer.from([0, 0, 0, 0]);
const COMMIT = Buffer.from([0, 0, 0, 1]);

interface Rec extends FetchedRecord {
  /** what the record is in the log, for the reference */
  txn: number | undefined;
}

/**
 * A partition's log written by several transactional producers (and one that is not) and the
 * broker's answer to a fetch from `from`: the records from there, and the aborted transactions
 * that end at or after it, in the order they ended (as the broker's transaction index lists them).
 */
function fetched(
  steps: ReadonlyArray<{ producer: number; action: 'write' | 'commit' | 'abort' | 'plain' }>,
  from: number,
) {
  const log: Rec[] = [];
  const open = new Map<number, { id: number; first: number }>();
  const aborted = new Set<number>();
  const ended: Array<AbortedTransaction & { last: number }> = [];
  let txns = 0;
  const end = (producer: number, abort: boolean) => {
    const t = open.get(producer);
    if (!t) return;
    open.delete(producer);
    const offset = log.length;
    log.push({
      offset: String(offset),
      key: abort ? ABORT : COMMIT,
      isControlRecord: true,
      batchContext: { producerId: String(producer), inTransaction: true },
      txn: undefined,
    });
    if (abort) {
      aborted.add(t.id);
      ended.push({ producerId: String(producer), firstOffset: String(t.first), last: offset });
    }
  };
  const apply = (producer: number, action: 'write' | 'commit' | 'abort' | 'plain') => {
    if (action === 'commit' || action === 'abort') return end(producer, action === 'abort');
    const offset = log.length;
    if (action === 'plain') {
      log.push({
        offset: String(offset),
        key: Buffer.from('k'),
        batchContext: { producerId: '-1', inTransaction: false },
        txn: undefined,
      });
      return;
    }
    let t = open.get(producer);
    if (!t) {
      t = { id: txns++, first: offset };
      open.set(producer, t);
    }
    log.push({
      offset: String(offset),
      key: Buffer.from('k'),
      batchContext: { producerId: String(producer), inTransaction: true },
      txn: t.id,
    });
  };
  for (const s of steps) apply(s.producer, s.action);
  // a read_committed fetch reads up to the last stable offset: every transaction ended (aborted)
  for (const producer of [...open.keys()]) end(producer, true);
  const start = Math.min(from, log.length);
  return {
    messages: log.slice(start),
    abortedTransactions: ended
      .filter((t) => t.last >= start)
      .map(({ producerId, firstOffset }) => ({ producerId, firstOffset })),
    committed: log
      .slice(start)
      .filter((r) => !r.isControlRecord && (r.txn === undefined || !aborted.has(r.txn))),
  };
}

describe('aborted-transaction filter', () => {
  it('drops a transaction aborted after one that started later, from its first record', () => {
    // producer 1 starts first; producer 2's transaction starts later and is aborted first, so
    // the broker lists it first; then producer 3 commits
    const f = fetched(
      [
        { producer: 1, action: 'write' },
        { producer: 2, action: 'write' },
        { producer: 1, action: 'write' },
        { producer: 2, action: 'write' },
        { producer: 2, action: 'abort' },
        { producer: 1, action: 'abort' },
        { producer: 3, action: 'write' },
        { producer: 3, action: 'commit' },
      ],
      0,
    );
    expect(f.abortedTransactions).toEqual([
      { producerId: '2', firstOffset: '1' },
      { producerId: '1', firstOffset: '0' },
    ]);
    const kept = filterAbortedMessages(f).filter((m) => !m.isControlRecord);
    expect(kept.map((m) => m.offset)).toEqual(['6']);
  });

  it('drops the records of every aborted transaction a fetch starting inside several reaches', () => {
    const f = fetched(
      [
        { producer: 1, action: 'write' },
        { producer: 2, action: 'write' },
        { producer: 2, action: 'write' },
        { producer: 1, action: 'write' },
        { producer: 1, action: 'abort' },
        { producer: 2, action: 'abort' },
      ],
      // from producer 2's second record: both transactions began before it
      2,
    );
    expect(filterAbortedMessages(f).filter((m) => !m.isControlRecord)).toEqual([]);
  });

  it('keeps exactly the committed records of any interleaving of transactions, fetched from any offset', () => {
    const step = fc.record({
      producer: fc.integer({ min: 1, max: 3 }),
      action: fc.constantFrom('write', 'write', 'write', 'commit', 'abort', 'plain') as fc.Arbitrary<
        'write' | 'commit' | 'abort' | 'plain'
      >,
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), fc.nat({ max: 70 }), (steps, from) => {
        const f = fetched(steps, from);
        const kept = filterAbortedMessages(f).filter((m) => !m.isControlRecord);
        expect(kept.map((m) => m.offset)).toEqual(f.committed.map((m) => m.offset));
      }),
      { numRuns: 2_000 },
    );
  });
});

/**
 * Against the broker, in a fresh process that loads kafkajs through the adapter (load.ts): two producers'
 * overlapping transactions aborted in the reverse order of their starts, then a committed one.
 */
const READ_AFTER_CROSSED_ABORTS = `
  import { loadKafkajs } from './src/kafka/kafkajs/load.ts';
  const { Kafka, logLevel } = loadKafkajs().kafkajs;
  const kafka = new Kafka({ clientId: 'aborted-txn-test', brokers: process.env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
  const topic = 'aborted-txn-' + process.pid + '-' + Date.now();
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  const producer = async (id) => {
    const p = kafka.producer({ transactionalId: topic + '-' + id, idempotent: true, maxInFlightRequests: 1 });
    await p.connect();
    return p;
  };
  const [a, b, c] = [await producer('a'), await producer('b'), await producer('c')];
  const ta = await a.transaction();
  await ta.send({ topic, messages: [{ value: 'a1' }] });
  const tb = await b.transaction();
  await tb.send({ topic, messages: [{ value: 'b1' }] });
  await ta.send({ topic, messages: [{ value: 'a2' }] });
  await tb.abort();
  await ta.abort();
  const tc = await c.transaction();
  await tc.send({ topic, messages: [{ value: 'c1' }] });
  await tc.commit();
  const seen = [];
  const consumer = kafka.consumer({ groupId: topic, readUncommitted: false, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const read = new Promise((resolve) =>
    consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) seen.push(m.value.toString());
        if (seen.includes('c1')) resolve();
      },
    }),
  );
  await Promise.race([read, new Promise((r) => setTimeout(r, 30000).unref())]);
  await consumer.disconnect();
  for (const p of [a, b, c]) await p.disconnect();
  await admin.deleteTopics({ topics: [topic] });
  await admin.disconnect();
  console.log(JSON.stringify({ seen }));
`;

describe('aborted transactions read from the broker (read_committed)', () => {
  it('a consumer reads none of two overlapping transactions aborted in reverse order, with the lean batch', () => {
    expect(runInFreshProcess(READ_AFTER_CROSSED_ABORTS, {})).toEqual({ seen: ['c1'] });
  }, 60_000);

  it("a consumer reads none of them with kafkajs' own Batch too", () => {
    expect(runInFreshProcess(READ_AFTER_CROSSED_ABORTS, { TR_KAFKAJS_RECORD_DECODER: 'kafkajs' })).toEqual({
      seen: ['c1'],
    });
  }, 60_000);
});
