import { createHash } from 'node:crypto';
import fc from 'fast-check';
import type { Message } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DEAD_LETTER_RECORD_BYTES,
  DLQ_HEADERS,
  deadLetterMessage,
  deadLetterRecordBytes,
} from '../../src/kafka/dead-letter.js';
import { batchRecordBudget, packRequests, recordBytes } from '../../src/kafka/record-size.js';
import { kafkajsRequire } from './kafkajs-parts.js';

const Record = kafkajsRequire('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (r: {
  offsetDelta: number;
  timestampDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Message['headers'];
}) => unknown;
const { RecordBatch } = kafkajsRequire('kafkajs/src/protocol/recordBatch/v0/index.js') as {
  RecordBatch: (o: { compression: number; records: unknown[]; lastOffsetDelta: number }) => Promise<{
    buffer: Buffer;
  }>;
};
const GZIP = 1;
const NONE = 0;

/** What the broker compares with max.message.bytes: the whole record batch kafkajs sends. */
async function batchBytes(messages: readonly Message[], compression: number): Promise<number> {
  const records = messages.map((m, i) =>
    Record({
      offsetDelta: i,
      // kafkajs stamps each record when it sends; records of one batch can be seconds apart
      timestampDelta: i * 1_000,
      key: m.key as Buffer | null,
      value: m.value as Buffer | null,
      headers: m.headers,
    }),
  );
  const batch = await RecordBatch({ compression, records, lastOffsetDelta: records.length - 1 });
  return batch.buffer.length;
}

/** bytes gzip cannot shrink, the same every run */
function incompressible(length: number, seed = 'x'): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0, block = 0; i < length; block++) {
    i += createHash('sha256').update(`${seed}-${block}`).digest().copy(out, i);
  }
  return out;
}

const source = (value: Buffer | null, key: Buffer | null = Buffer.from('sg-byoc-01')) => ({
  topic: 'trunk-events',
  partition: 1,
  offset: '300',
  key,
  value,
});
const decodeError = { code: 'TR_ERR_EVENT_DECODE', message: 'bad trunk event (too-large): 1048400 bytes' };

describe('dead-letter records', () => {
  it('keep a record that fits as it is: key, bytes and where it came from', () => {
    const m = deadLetterMessage(source(Buffer.from('not json')), decodeError, 'repartition');
    expect(m.key).toEqual(Buffer.from('sg-byoc-01'));
    expect(m.value).toEqual(Buffer.from('not json'));
    expect(m.headers).toEqual({
      [DLQ_HEADERS.topic]: 'trunk-events',
      [DLQ_HEADERS.partition]: '1',
      [DLQ_HEADERS.offset]: '300',
      [DLQ_HEADERS.code]: 'TR_ERR_EVENT_DECODE',
      [DLQ_HEADERS.message]: decodeError.message,
      [DLQ_HEADERS.stage]: 'repartition',
    });
  });

  it('cut a 1,048,400-byte value to what the default topic takes, keeping headers, key and the value from its start', async () => {
    const value = incompressible(1_048_400);
    const m = deadLetterMessage(source(value), decodeError, 'repartition');
    expect(recordBytes(m)).toBeLessThanOrEqual(DEFAULT_DEAD_LETTER_RECORD_BYTES);
    expect(m.headers?.[DLQ_HEADERS.truncated]).toBe('1048400');
    expect(m.headers?.[DLQ_HEADERS.offset]).toBe('300');
    expect(m.key).toEqual(Buffer.from('sg-byoc-01'));
    const kept = m.value as Buffer;
    expect(kept.equals(value.subarray(0, kept.length))).toBe(true);
    expect(kept.length).toBeGreaterThan(1_048_400 - 1_024);
    // the broker's test: the batch kafkajs sends, plain or gzipped, within max.message.bytes
    expect(await batchBytes([m], NONE)).toBeLessThanOrEqual(1_048_588);
    expect(await batchBytes([m], GZIP)).toBeLessThanOrEqual(1_048_588);
  });

  it('fit any value, key and message into any dead-letter topic the pipeline accepts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 8 * 1024, max: 300_000 }),
        fc.integer({ min: 0, max: 400_000 }),
        fc.integer({ min: 0, max: 20_000 }),
        fc.string({ maxLength: 3_000 }),
        async (limit, valueLength, keyLength, message) => {
          const budget = deadLetterRecordBytes('dlq', limit);
          const value = incompressible(valueLength, String(limit));
          const key = keyLength === 0 ? null : incompressible(keyLength, 'k');
          const m = deadLetterMessage(
            source(value, key),
            { code: 'TR_ERR_EVENT_LATE', message },
            'rules',
            budget,
          );
          expect(recordBytes(m)).toBeLessThanOrEqual(budget);
          expect(await batchBytes([m], GZIP)).toBeLessThanOrEqual(limit);
          expect(await batchBytes([m], NONE)).toBeLessThanOrEqual(limit);
          const kept = m.value as Buffer;
          expect(kept.equals(value.subarray(0, kept.length))).toBe(true);
          if (kept.length < valueLength) expect(m.headers?.[DLQ_HEADERS.truncated]).toBe(String(valueLength));
          else expect(m.headers?.[DLQ_HEADERS.truncated]).toBeUndefined();
          if (key && (m.key as Buffer).length < key.length)
            expect(m.headers?.[DLQ_HEADERS.keyTruncated]).toBe(String(key.length));
          expect(m.headers?.[DLQ_HEADERS.topic]).toBe('trunk-events');
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuse a dead-letter topic too small for the headers, naming the topic, its limit and the fix', () => {
    expect(() => deadLetterRecordBytes('t1.dead-letter', 2_000)).toThrow(
      /dead-letter topic 't1.dead-letter' has max.message.bytes=2000, too small .* raise it to at least 8192/,
    );
  });

  it('name the repartition copy the stage read beside the producer record', () => {
    const m = deadLetterMessage(
      {
        ...source(Buffer.from('{}')),
        repartition: { topic: 't1.repartition', partition: 0, offset: '1207' },
      },
      { code: 'TR_ERR_EVENT_LATE', message: 'late' },
      'rules',
    );
    expect(m.headers).toMatchObject({
      [DLQ_HEADERS.topic]: 'trunk-events',
      [DLQ_HEADERS.partition]: '1',
      [DLQ_HEADERS.offset]: '300',
      [DLQ_HEADERS.repartitionTopic]: 't1.repartition',
      [DLQ_HEADERS.repartitionPartition]: '0',
      [DLQ_HEADERS.repartitionOffset]: '1207',
    });
  });
});

describe("a transaction's records in produce requests", () => {
  it('never put more in one batch of a limited topic than its max.message.bytes takes', async () => {
    const limit = 1_048_588;
    // a slice's dead letters, all to one partition (one key): small ones, then one cut to the limit
    const small = Array.from({ length: 40 }, (_, i) =>
      deadLetterMessage(source(incompressible(10_000, `s${i}`)), decodeError, 'repartition'),
    );
    const big = deadLetterMessage(source(incompressible(1_048_400)), decodeError, 'repartition');
    const state: Message = { key: 'state', value: incompressible(600_000, 'state') };
    const requests = packRequests(
      [
        ['t1.dead-letter', [...small, big, ...small]],
        ['t1.state', [state]],
      ],
      new Map([['t1.dead-letter', limit]]),
    );
    // the unlimited topic goes whole in the first request; the dead letters keep their order
    expect(requests[0]?.find((r) => r.topic === 't1.state')?.messages).toEqual([state]);
    const sent = requests.flatMap((r) =>
      r.filter((t) => t.topic === 't1.dead-letter').flatMap((t) => t.messages),
    );
    expect(sent).toEqual([...small, big, ...small]);
    expect(requests.length).toBeGreaterThan(1);
    for (const r of requests) {
      for (const t of r.filter((x) => x.topic === 't1.dead-letter')) {
        expect(t.messages.reduce((n, m) => n + recordBytes(m), 0)).toBeLessThanOrEqual(
          batchRecordBudget(limit),
        );
        expect(await batchBytes(t.messages, GZIP)).toBeLessThanOrEqual(limit);
      }
    }
  });

  it('send a transaction without limited records in one request, as it is', () => {
    const byTopic: Array<[string, Message[]]> = [
      ['t1.repartition', [{ key: 'a', value: 'b' }]],
      ['t1.dead-letter', [{ key: 'c', value: 'd' }]],
    ];
    expect(packRequests(byTopic, undefined)).toEqual([
      [
        { topic: 't1.repartition', messages: [{ key: 'a', value: 'b' }] },
        { topic: 't1.dead-letter', messages: [{ key: 'c', value: 'd' }] },
      ],
    ]);
  });
});
