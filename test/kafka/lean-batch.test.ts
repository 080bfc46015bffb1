import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BatchClass, leanBatchClass } from '../../src/kafka/kafkajs/lean-batch.js';
import {
  Decoder,
  fastDecoder,
  kafkajsDecoder,
  kafkajsRequire,
  runInFreshProcess,
  shipped,
} from './kafkajs-parts.js';
import { batchBytes, testBatch, testRecord } from './record-batch-writer.js';

/** kafkajs' own Batch (this test process never installs the lean one in the module cache) */
const Batch = shipped<BatchClass>(
  'kafkajs/src/consumer/batch.js',
  'kafkajs/src/consumer/filterAbortedMessages.js',
);
const LeanBatch = leanBatchClass(
  Batch,
  shipped('kafkajs/src/consumer/filterAbortedMessages.js'),
  kafkajsRequire('kafkajs/src/utils/long.js'),
);

type Msg = { offset: string; isControlRecord?: boolean };
type AnyBatch = InstanceType<BatchClass> & Record<string, (...a: unknown[]) => unknown>;

const ABORT_MARKER = Buffer.from([0, 0, 0, 0]);
const COMMIT_MARKER = Buffer.from([0, 0, 0, 1]);

// a partition's fetched log: consecutive record batches, some transactional, some control
// batches (abort and commit markers), starting at a small offset or one past 2^53
const logBatch = fc.record({
  count: fc.integer({ min: 1, max: 4 }),
  kind: fc.constantFrom('plain', 'txn', 'abort', 'commit'),
  producer: fc.constantFrom(7n, 8n),
});
const partitionLog = fc.record({
  start: fc.oneof(fc.bigInt({ min: 0n, max: 1000n }), fc.constant(2n ** 53n - 3n)),
  batches: fc.array(logBatch, { minLength: 0, maxLength: 5 }),
  // the offset asked for, relative to the first record (kafkajs keeps those at or after it)
  fetchFrom: fc.integer({ min: -2, max: 12 }),
  lag: fc.nat({ max: 5 }),
  aborted: fc.boolean(),
  decoder: fc.constantFrom('lean', 'kafkajs'),
});

type PartitionLog = typeof partitionLog extends fc.Arbitrary<infer T> ? T : never;

async function partitionData(log: PartitionLog) {
  const messages: Msg[] = [];
  let offset = log.start;
  for (const b of log.batches) {
    const control = b.kind === 'abort' || b.kind === 'commit';
    const records = Array.from({ length: control ? 1 : b.count }, (_, i) =>
      testRecord({
        timestampDelta: BigInt(i),
        offsetDelta: i,
        key: control ? (b.kind === 'abort' ? ABORT_MARKER : COMMIT_MARKER) : Buffer.from(`k${i}`),
        value: Buffer.from(`v${i}`),
      }),
    );
    const bytes = batchBytes(
      testBatch({
        firstOffset: offset,
        firstTimestamp: 1_764_000_000_000n,
        attributes: (b.kind === 'plain' ? 0 : 0x10) | (control ? 0x20 : 0),
        producerId: b.kind === 'plain' ? -1n : b.producer,
        records,
      }),
    );
    const decode = log.decoder === 'lean' ? fastDecoder : kafkajsDecoder;
    messages.push(...((await decode(new Decoder(bytes))).records as Msg[]));
    offset += BigInt(records.length);
  }
  const abortedTransactions = log.aborted
    ? [{ producerId: '7', firstOffset: (log.start + 1n).toString() }]
    : [];
  return {
    fetchedOffset: (log.start + BigInt(log.fetchFrom)).toString(),
    data: {
      partition: 3,
      highWatermark: (offset + BigInt(log.lag)).toString(),
      abortedTransactions,
      messages,
    },
  };
}

/** Everything a batch tells its consumer: its lists (as positions in the fetch) and methods. */
function view(b: AnyBatch, raw: Msg[]) {
  const at = (list: Msg[]) => list.map((m) => raw.indexOf(m));
  return {
    fields: {
      topic: (b as unknown as { topic: string }).topic,
      partition: (b as unknown as { partition: number }).partition,
      highWatermark: (b as unknown as { highWatermark: string }).highWatermark,
      fetchedOffset: (b as unknown as { fetchedOffset: string }).fetchedOffset,
    },
    raw: b.rawMessages === raw,
    within: at(b.messagesWithinOffset),
    messages: at(b.messages),
    methods: [
      'isEmpty',
      'isEmptyIncludingFiltered',
      'isEmptyDueToFiltering',
      'isEmptyControlRecord',
      'isEmptyDueToLogCompactedMessages',
      'firstOffset',
      'lastOffset',
      'offsetLag',
      'offsetLagLow',
    ].map((name) => b[name]!()),
  };
}

describe("kafkajs' consumer Batch made the lean way (lean-batch.ts)", () => {
  it("keeps, filters and reports exactly what kafkajs' Batch does, for lean and kafkajs records", async () => {
    await fc.assert(
      fc.asyncProperty(partitionLog, async (log) => {
        const { fetchedOffset, data } = await partitionData(log);
        const stock = new Batch('events', fetchedOffset, data) as AnyBatch;
        const lean = new LeanBatch('events', fetchedOffset, data) as AnyBatch;
        expect(lean).toBeInstanceOf(Batch);
        expect(view(lean, data.messages)).toEqual(view(stock, data.messages));
      }),
      { numRuns: 500 },
    );
  });

  it('drops records before the fetched offset, as a compressed batch returns them', async () => {
    const { fetchedOffset, data } = await partitionData({
      start: 40n,
      batches: [{ count: 4, kind: 'plain', producer: 7n }],
      fetchFrom: 2,
      lag: 0,
      aborted: false,
      decoder: 'lean',
    });
    const lean = new LeanBatch('events', fetchedOffset, data) as AnyBatch;
    expect(lean.messages.map((m) => m.offset)).toEqual(['42', '43']);
    expect(lean.firstOffset?.()).toBe('42');
  });

  it("is in kafkajs' module cache once the adapter loaded kafkajs, and kafkajs' consumer makes it", () => {
    const out = runInFreshProcess(
      `import { createRequire } from 'node:module';
       import { loadKafkajs } from './src/kafka/kafkajs/load.ts';
       import { leanBatchInUse } from './src/kafka/kafkajs/lean-batch.ts';
       const require = createRequire(import.meta.url);
       const { kafkajs, parts } = loadKafkajs();
       const consumer = new kafkajs.Kafka({ brokers: ['127.0.0.1:1'] }).consumer({ groupId: 'g' });
       console.log(JSON.stringify({
         result: parts.batch,
         inUse: leanBatchInUse(),
         name: require('kafkajs/src/consumer/batch.js').name,
         consumer: typeof consumer.run,
       }));`,
      {},
    );
    expect(out).toEqual({
      result: { installed: true },
      inUse: true,
      name: 'LeanBatch',
      consumer: 'function',
    });
  });

  it("keeps kafkajs' Batch when asked to (kafkajs-load.test.ts: whatever loaded kafkajs first)", () => {
    const optedOut = runInFreshProcess(
      `import { loadKafkajs } from './src/kafka/kafkajs/load.ts';
       import { leanBatchInUse } from './src/kafka/kafkajs/lean-batch.ts';
       console.log(JSON.stringify({ result: loadKafkajs().parts.batch, inUse: leanBatchInUse() }));`,
      { TR_KAFKAJS_RECORD_DECODER: 'kafkajs' },
    );
    expect(optedOut.result).toMatchObject({
      installed: false,
      reason: expect.stringContaining('TR_KAFKAJS'),
    });
    expect(optedOut.inUse).toBe(false);
  });
});
