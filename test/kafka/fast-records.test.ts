import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LeanRecord } from '../../src/kafka/kafkajs/lean-record.js';
import type { RecordBatchDecoder } from '../../src/kafka/kafkajs/record-decoder.js';
import { messageHeader } from '../../src/kafka/message-header.js';
import {
  Decoder,
  fastDecoder,
  type KafkaDecoder,
  kafkajsDecoder,
  runInFreshProcess,
} from './kafkajs-parts.js';
import { batchBytes, testBatch, testRecord } from './record-batch-writer.js';

/** What kafkajs' fetch decoding does with a partition's record batches (v4/decodeMessages.js). */
async function decodeAll(decode: RecordBatchDecoder, buffer: Buffer) {
  const d = new Decoder(buffer) as KafkaDecoder & { canReadBytes(n: number): boolean };
  const batches: unknown[] = [];
  while (d.canReadBytes(49)) {
    try {
      const { records, ...context } = await decode(d);
      batches.push({ context, records: records.map(plain) });
    } catch (e) {
      if ((e as Error).name === 'KafkaJSPartialMessageError') break;
      throw e;
    }
  }
  return batches;
}

/**
 * A record as comparable data: every field kafkajs' records have (read through the accessors on
 * a lean record), buffers as hex, headers as their own entries in order, and the value as
 * `readValue` sees it where the record has one.
 */
function plain(r: Awaited<ReturnType<RecordBatchDecoder>>['records'][number]) {
  const hex = (b: unknown): unknown =>
    Buffer.isBuffer(b) ? `hex:${b.toString('hex')}` : Array.isArray(b) ? b.map(hex) : b;
  const inPlace =
    r instanceof LeanRecord
      ? r.readValue((bytes, from, to) => (bytes === null ? null : Buffer.from(bytes.subarray(from, to))))
      : r.value;
  return {
    magicByte: r.magicByte,
    attributes: r.attributes,
    timestamp: r.timestamp,
    offset: r.offset,
    isControlRecord: r.isControlRecord,
    batchContext: r.batchContext,
    valueInPlace: hex(inPlace),
    key: hex(r.key),
    value: hex(r.value),
    headers: Object.entries(r.headers).map(([k, v]) => [k, hex(v)]),
    prototypeOfHeaders: Object.getPrototypeOf(r.headers) === Object.prototype,
  };
}

// ---- generators ----------------------------------------------------------------------------
const buf = (max: number) =>
  fc.oneof(
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 6, arbitrary: fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a)) },
  );
const headerName = fc.oneof(
  fc.constantFrom('tr-lane', 'a', '__proto__', 'constructor', 'ünïcødé', ''),
  fc.string({ maxLength: 6 }),
  fc.constant(null),
);
const record = fc.record({
  attributes: fc.integer({ min: -128, max: 127 }),
  timestampDelta: fc.oneof(
    fc.bigInt({ min: -1000n, max: 100_000n }),
    // past 32 bits and up to 2^53, where base + delta stops being exact as a number
    fc.bigInt({ min: -(2n ** 53n), max: 2n ** 53n }),
    fc.bigInt({ min: -(2n ** 62n) + 1n, max: 2n ** 62n - 1n }),
  ),
  offsetDelta: fc.oneof(fc.nat({ max: 1000 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })),
  key: buf(12),
  value: buf(40),
  headers: fc.array(fc.tuple(headerName, buf(6)), { maxLength: 4 }),
  trailing: fc.oneof({ weight: 5, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat({ max: 3 }) }),
});
// offsets and timestamps small, near 2^53 (where numbers stop being exact) and far beyond
const int64 = fc.oneof(
  fc.bigInt({ min: 0n, max: 1_000_000n }),
  fc.bigInt({ min: 2n ** 53n - 2n ** 33n, max: 2n ** 53n + 2n ** 33n }),
  fc.bigInt({ min: 0n, max: 2n ** 62n }),
  fc.constant(-1n),
);
const batch = fc.record({
  firstOffset: int64,
  firstTimestamp: int64,
  maxTimestamp: int64,
  // bit 3 LOG_APPEND_TIME, bit 4 transactional, bit 5 control
  attributes: fc.integer({ min: 0, max: 0x38 }).map((a) => a & 0x38),
  gzip: fc.boolean(),
  producerId: fc.oneof(fc.constant(-1n), fc.bigInt({ min: 0n, max: 2n ** 40n })),
  records: fc.array(record, { maxLength: 8 }),
});

describe("kafkajs' records decoded the lean way (kafkajs/record-decoder.ts)", () => {
  it("gives exactly what kafkajs' own decoder gives, batch for batch and record for record", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(batch, { minLength: 1, maxLength: 3 }), fc.nat(), async (batches, cut) => {
        const whole = Buffer.concat(batches.map(batchBytes));
        // a fetch may end inside the last batch (maxBytes): both stop before it
        const lastStart = whole.length - batchBytes(batches.at(-1)!).length;
        const end = cut % 3 === 0 ? lastStart + (cut % (whole.length - lastStart)) : whole.length;
        const bytesIn = whole.subarray(0, end);
        const expected = await decodeAll(kafkajsDecoder, bytesIn);
        const actual = await decodeAll(fastDecoder, bytesIn);
        expect(actual).toEqual(expected);
      }),
      { numRuns: 400 },
    );
  });

  it('reads offsets and timestamps exactly past 2^53, where a number would round', async () => {
    const first = 2n ** 60n + 3n;
    const b = batchBytes(
      testBatch({
        firstOffset: first,
        firstTimestamp: first,
        records: [testRecord({ timestampDelta: 5n, offsetDelta: 1 })],
      }),
    );
    const [r] = (await fastDecoder(new Decoder(b))).records;
    expect(r?.offset).toBe((first + 1n).toString());
    expect(r?.timestamp).toBe((first + 5n).toString());
  });

  it('decodes real events the way the rules stage reads them: key, value and offsets', async () => {
    const event = Buffer.from('{"schemaVersion":1,"trunkId":"t-0001"}');
    const b = batchBytes(
      testBatch({
        firstOffset: 41n,
        firstTimestamp: 1_764_000_000_000n,
        maxTimestamp: 1_764_000_000_009n,
        records: [0, 1, 2].map((i) =>
          testRecord({
            timestampDelta: BigInt(i * 3),
            offsetDelta: i,
            key: Buffer.from(`t-000${i}`),
            value: event,
          }),
        ),
      }),
    );
    const { records } = await fastDecoder(new Decoder(b));
    expect(records.map((r) => [r.offset, r.timestamp, r.key?.toString()])).toEqual([
      ['41', '1764000000000', 't-0000'],
      ['42', '1764000000003', 't-0001'],
      ['43', '1764000000006', 't-0002'],
    ]);
    expect(records[2]?.value?.equals(event)).toBe(true);
  });

  it('gives the same key, value and headers object on every read, and takes assignments as kafkajs records do', async () => {
    const b = batchBytes(
      testBatch({
        firstOffset: 7n,
        firstTimestamp: 1_764_000_000_000n,
        records: [
          testRecord({
            timestampDelta: 1n,
            key: Buffer.from('k'),
            value: Buffer.from('v1'),
            headers: [
              ['tr-lane', Buffer.from('site')],
              ['tr-lane', Buffer.from('again')],
            ],
          }),
          testRecord({ timestampDelta: 2n, offsetDelta: 1 }),
        ],
      }),
    );
    const [r, bare] = (await fastDecoder(new Decoder(b))).records as LeanRecord[];
    expect(r).toBeInstanceOf(LeanRecord);
    expect(r!.key).toBe(r!.key);
    expect(r!.value).toBe(r!.value);
    expect(r!.headers).toBe(r!.headers);
    expect(messageHeader(r!, 'tr-lane')?.toString()).toBe('site');
    expect(messageHeader(r!, 'absent')).toBeUndefined();
    expect(messageHeader(bare!, 'tr-lane')).toBeUndefined();
    expect(bare!.readValue((bytes) => bytes)).toBeNull();
    r!.value = Buffer.from('replaced');
    r!.key = null;
    r!.timestamp = '5';
    r!.headers = {};
    expect([r!.value.toString(), r!.key, r!.timestamp, r!.headers]).toEqual(['replaced', null, '5', {}]);
    expect(r!.readValue((bytes, from, to) => Buffer.from(bytes!.subarray(from, to)).toString())).toBe(
      'replaced',
    );
    expect(messageHeader(r!, 'tr-lane')).toBeUndefined();
  });

  it('fails the fetch on a corrupt record whose headers run past its length, not a later read of them', async () => {
    const b = batchBytes(
      testBatch({
        records: [testRecord({ value: Buffer.from('x'), headers: [['h', Buffer.from('value')]] })],
      }),
    );
    // the header value's length (5, zigzag 10) made 100: it now runs past the record
    const at = b.lastIndexOf(Buffer.from([10, ...Buffer.from('value')]));
    b[at] = 200;
    b[at + 1] = 1;
    // (kafkajs reads such a record with the header cut short, silently; brokers validate what
    // they store, so only a corrupt fetch has one)
    await expect(fastDecoder(new Decoder(Buffer.from(b)))).rejects.toThrow(RangeError);
  });

  it('is installed once per process by the adapter, and kafkajs then decodes with it', () => {
    const script = `
      import { installFastRecordDecoder, leanRecordDecoderInUse } from './src/kafka/kafkajs/record-decoder.ts';
      import { loadKafkajs } from './src/kafka/kafkajs/load.ts';
      const before = leanRecordDecoderInUse();
      const { parts } = loadKafkajs();
      const again = installFastRecordDecoder();
      console.log(JSON.stringify({ before, result: parts.decoder, again, lean: leanRecordDecoderInUse() }));
    `;
    const out = runInFreshProcess(script, {});
    expect(out.result).toEqual({ installed: true });
    expect(out.again).toEqual({ installed: true });
    expect(out.before).toBe(false);
    expect(out.lean).toBe(true);
  });

  it("keeps kafkajs' own decoder when asked to (kafkajs-load.test.ts: whatever loaded kafkajs first)", () => {
    const optedOut = runInFreshProcess(
      `import { loadKafkajs } from './src/kafka/kafkajs/load.ts';
       console.log(JSON.stringify({ result: loadKafkajs().parts.decoder }));`,
      { TR_KAFKAJS_RECORD_DECODER: 'kafkajs' },
    );
    expect(optedOut.result).toMatchObject({
      installed: false,
      reason: expect.stringContaining('TR_KAFKAJS'),
    });
  });
});
