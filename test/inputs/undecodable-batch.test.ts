import snappyjs from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { DLQ_HEADERS } from '../../src/kafka/dead-letter.js';
import { installCompressionCodecs } from '../../src/kafka/kafkajs/compression/install.js';
import { type BatchClass, leanBatchClass } from '../../src/kafka/kafkajs/lean-batch.js';
import type { RecordBatchDecoder } from '../../src/kafka/kafkajs/record-decoder.js';
import { UndecodableBatch, undecodableBatchDeadLetter } from '../../src/kafka/undecodable-batch.js';
import { Decoder, fastDecoder, type KafkaDecoder, kafkajsRequire, shipped } from '../kafka/kafkajs-parts.js';
import { batchBytes, testBatch, testRecord } from '../kafka/record-batch-writer.js';

// kafkajs' codec table as the service has it: snappy, lz4 and zstd besides gzip
installCompressionCodecs(kafkajsRequire('kafkajs'));

/** where a v2 batch's attributes and its records (after the record count) are, from its first byte */
const ATTRIBUTES_AT = 21;
const RECORDS_AT = 61;

/** A batch of `count` records from `firstOffset`, its records replaced by `payload` under codec `codec`. */
function batchWith(firstOffset: bigint, count: number, codec: number, payload: Buffer | undefined): Buffer {
  const records = Array.from({ length: count }, (_, i) =>
    testRecord({
      offsetDelta: i,
      key: Buffer.from(`k${i}`),
      value: Buffer.from(`v${firstOffset + BigInt(i)}`),
    }),
  );
  const plain = batchBytes(testBatch({ firstOffset, firstTimestamp: 1_764_000_000_000n, records }));
  if (payload === undefined) return plain;
  const out = Buffer.concat([plain.subarray(0, RECORDS_AT), payload]);
  out.writeInt16BE((out.readInt16BE(ATTRIBUTES_AT) & ~0x07) | codec, ATTRIBUTES_AT);
  out.writeInt32BE(out.length - 12, 8);
  return out;
}

/** The records of a batch as the codec would have them: the plain batch's, after its count. */
function recordsOf(batch: Buffer): Buffer {
  return batch.subarray(RECORDS_AT);
}

/** Every record batch of a partition's fetched bytes, as kafkajs' fetch decoding reads them. */
async function decodeAll(decode: RecordBatchDecoder, buffer: Buffer) {
  const d = new Decoder(buffer) as KafkaDecoder & { canReadBytes(n: number): boolean };
  const records = [];
  while (d.canReadBytes(49)) records.push(...(await decode(d)).records);
  return records;
}

describe('a fetched batch the lean decoder cannot decode', () => {
  it('becomes one undecodable batch at its offsets, between the batches around it, whatever the reason', async () => {
    const corruptSnappy = Buffer.from('not snappy at all, not snappy at all');
    const fetched = Buffer.concat([
      batchWith(0n, 2, 0, undefined),
      batchWith(2n, 3, 2, corruptSnappy),
      batchWith(5n, 2, 5, recordsOf(batchWith(5n, 2, 0, undefined))),
      batchWith(7n, 1, 0, undefined),
    ]);
    const records = await decodeAll(fastDecoder, fetched);
    expect(records.map((r) => r.offset)).toEqual(['0', '1', '4', '6', '7']);
    expect(records.map((r) => r.value?.toString() ?? null)).toEqual(['v0', 'v1', null, null, 'v7']);
    const snappy = records[2] as unknown as UndecodableBatch;
    expect(snappy).toBeInstanceOf(UndecodableBatch);
    expect([snappy.firstOffset, snappy.offset, snappy.records, snappy.codec]).toEqual([
      '2',
      '4',
      3,
      'snappy',
    ]);
    expect(snappy.isControlRecord).toBe(false);
    expect(String(snappy.cause)).toMatch(/Invalid Snappy bitstream/);
    const unknown = records[3] as unknown as UndecodableBatch;
    expect(unknown).toBeInstanceOf(UndecodableBatch);
    expect([unknown.firstOffset, unknown.offset, unknown.codec]).toEqual(['5', '6', 'unknown (codec id 5)']);
    expect(String(unknown.cause)).toMatch(/Kafka defines no codec 5/);
  });

  it('decodes snappy as Java clients frame it (xerial chunks), as snappy-java reads it, and refuses a chunk that runs past the batch', async () => {
    const plain = batchWith(10n, 3, 0, undefined);
    const raw = recordsOf(plain);
    const chunks = [raw.subarray(0, 7), raw.subarray(7)].map((c) => Buffer.from(snappyjs.compress(c)));
    const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
    const framed = Buffer.concat([header, ...chunks.flatMap((c) => [int32(c.length), c])]);
    const good = await decodeAll(fastDecoder, batchWith(10n, 3, 2, framed));
    expect(good.map((r) => r.value?.toString())).toEqual(['v10', 'v11', 'v12']);
    // a tail too short for a chunk length ends the stream, as snappy-java reads it
    const tail = await decodeAll(
      fastDecoder,
      batchWith(10n, 3, 2, Buffer.concat([framed, Buffer.from([0, 0])])),
    );
    expect(tail.map((r) => r.value?.toString())).toEqual(['v10', 'v11', 'v12']);
    const cut = await decodeAll(fastDecoder, batchWith(10n, 3, 2, framed.subarray(0, framed.length - 3)));
    expect(cut).toHaveLength(1);
    expect(String((cut[0] as unknown as UndecodableBatch).cause)).toMatch(
      /xerial snappy: the chunk at byte \d+ claims/,
    );
  });

  it("is kept by the lean batch as the last message of the fetch, at the batch's last offset", async () => {
    const Batch = shipped<BatchClass>(
      'kafkajs/src/consumer/batch.js',
      'kafkajs/src/consumer/filterAbortedMessages.js',
    );
    const LeanBatch = leanBatchClass(
      Batch,
      shipped('kafkajs/src/consumer/filterAbortedMessages.js'),
      kafkajsRequire('kafkajs/src/utils/long.js'),
    );
    const messages = await decodeAll(
      fastDecoder,
      Buffer.concat([batchWith(0n, 2, 0, undefined), batchWith(2n, 3, 2, Buffer.from('garbage'))]),
    );
    // fetched from inside the bad batch (a rewind to an offset it holds): it still comes
    const batch = new LeanBatch('events', '3', {
      partition: 0,
      highWatermark: '5',
      messages,
    }) as InstanceType<BatchClass> & { lastOffset(): string };
    expect(batch.messages.map((m) => m.offset)).toEqual(['4']);
    expect(batch.lastOffset()).toBe('4');
  });

  it('is dead-lettered with its first and last offsets and the reason, naming topic and partition', async () => {
    const [batch] = await decodeAll(fastDecoder, batchWith(40n, 5, 2, Buffer.from('garbage')));
    const { code, record } = undecodableBatchDeadLetter(
      batch as unknown as UndecodableBatch,
      'tr.events',
      3,
      'repartition',
    );
    expect(code).toBe('TR_ERR_EVENT_BATCH_UNDECODABLE');
    expect(record.key).toBeNull();
    expect(record.value).toBeNull();
    expect(record.headers).toMatchObject({
      [DLQ_HEADERS.topic]: 'tr.events',
      [DLQ_HEADERS.partition]: '3',
      [DLQ_HEADERS.offset]: '40',
      [DLQ_HEADERS.lastOffset]: '44',
      [DLQ_HEADERS.code]: 'TR_ERR_EVENT_BATCH_UNDECODABLE',
      [DLQ_HEADERS.stage]: 'repartition',
    });
    expect(record.headers?.[DLQ_HEADERS.message]).toMatch(
      /^tr\.events\[3\] offsets 40 to 44: the record batch \(5 records, compression snappy\) could not be decoded \(.+\); its records are skipped/,
    );
  });
});

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}
