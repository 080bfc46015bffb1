import { gzipSync } from 'node:zlib';

/**
 * Kafka record batches (v2 format) written independently of kafkajs and of the lean decoder,
 * for the tests that hold the lean decoder and batch to kafkajs' own.
 */
export function varint(n: number): number[] {
  let z = ((n << 1) ^ (n >> 31)) >>> 0;
  const out: number[] = [];
  while (z >= 0x80) {
    out.push((z & 0x7f) | 0x80);
    z >>>= 7;
  }
  out.push(z);
  return out;
}

function varlong(n: bigint): number[] {
  let z = BigInt.asUintN(64, (n << 1n) ^ (n >> 63n));
  const out: number[] = [];
  while (z >= 0x80n) {
    out.push(Number(z & 0x7fn) | 0x80);
    z >>= 7n;
  }
  out.push(Number(z));
  return out;
}

function bytes(b: Buffer | null): number[] {
  return b === null ? varint(-1) : [...varint(b.length), ...b];
}

export interface TestRecord {
  attributes: number;
  timestampDelta: bigint;
  offsetDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<[string | null, Buffer | null]>;
  /** bytes after the record's fields, inside its length (a newer writer's fields) */
  trailing: number;
}

function recordBytes(r: TestRecord): number[] {
  const body = [
    r.attributes & 0xff,
    ...varlong(r.timestampDelta),
    ...varint(r.offsetDelta),
    ...bytes(r.key),
    ...bytes(r.value),
    ...varint(r.headers.length),
    ...r.headers.flatMap(([k, v]) => [...bytes(k === null ? null : Buffer.from(k, 'utf8')), ...bytes(v)]),
    ...new Array<number>(r.trailing).fill(0x7e),
  ];
  return [...varint(body.length), ...body];
}

export interface TestBatch {
  firstOffset: bigint;
  firstTimestamp: bigint;
  maxTimestamp: bigint;
  attributes: number;
  gzip: boolean;
  producerId: bigint;
  records: TestRecord[];
}

export function batchBytes(b: TestBatch): Buffer {
  const records = Buffer.from(b.records.flatMap(recordBytes));
  const count = Buffer.alloc(4);
  count.writeInt32BE(b.records.length);
  const body = Buffer.alloc(2 + 4 + 8 + 8 + 8 + 2 + 4);
  let at = 0;
  at = body.writeInt16BE((b.attributes & ~0x07) | (b.gzip ? 1 : 0), at);
  at = body.writeInt32BE(Math.max(0, b.records.length - 1), at);
  at = body.writeBigInt64BE(b.firstTimestamp, at);
  at = body.writeBigInt64BE(b.maxTimestamp, at);
  at = body.writeBigInt64BE(b.producerId, at);
  at = body.writeInt16BE(3, at);
  body.writeInt32BE(17, at);
  const tail = Buffer.concat([body, count, b.gzip ? gzipSync(records) : records]);
  const head = Buffer.alloc(4 + 1 + 4);
  head.writeInt32BE(5, 0); // partition leader epoch
  head.writeInt8(2, 4); // magic
  head.writeInt32BE(0, 5); // CRC: neither decoder checks it
  const batch = Buffer.concat([head, tail]);
  const prefix = Buffer.alloc(12);
  prefix.writeBigInt64BE(b.firstOffset, 0);
  prefix.writeInt32BE(batch.length, 8);
  return Buffer.concat([prefix, batch]);
}

/** A record with nothing in it (no key, value or headers, deltas 0), `fields` over that. */
export function testRecord(fields: Partial<TestRecord> = {}): TestRecord {
  return {
    attributes: 0,
    timestampDelta: 0n,
    offsetDelta: 0,
    key: null,
    value: null,
    headers: [],
    trailing: 0,
    ...fields,
  };
}

/** A plain batch (offset and timestamps 0, no attributes, no producer, no records), `fields` over that. */
export function testBatch(fields: Partial<TestBatch> = {}): TestBatch {
  return {
    firstOffset: 0n,
    firstTimestamp: 0n,
    maxTimestamp: 0n,
    attributes: 0,
    gzip: false,
    producerId: -1n,
    records: [],
    ...fields,
  };
}
