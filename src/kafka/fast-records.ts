/**
 * A leaner record decoder for kafkajs' consumers in this process.
 *
 * kafkajs 2.2.4 decodes every record of a fetch with a `Decoder` of its own over a copy-free
 * slice, reads the timestamp delta as a `Long`, and makes the record's offset and timestamp by
 * parsing the batch's first offset and first timestamp from strings into `Long`s, adding, and
 * printing them back: two string→Long parses and two Long→string prints per record. On this
 * project's 2-core machines that is most of what a consumer costs (docs/benchmarks.md,
 * bench:pipeline). This decoder makes records of exactly the same shape and values
 * (`magicByte`, `attributes`, `timestamp` and `offset` as decimal strings, `key`, `value`,
 * `headers`, `isControlRecord`, the shared `batchContext`) reading varints as numbers straight
 * from the batch's buffer; offsets and timestamps are added as numbers while they are safe
 * integers, and as BigInts beyond (never in practice: 2^53 messages).
 *
 * It replaces kafkajs' `protocol/recordBatch/v0/decoder.js` in the module cache before the
 * fetch decoders load it (`installFastRecordDecoder`, called where the Kafka client is made).
 * It is installed only on the kafkajs version it was written and tested against (the
 * lockfile's); on any other version, or when kafkajs' fetch decoding was loaded already,
 * kafkajs' own decoder stays and the caller is told why. `fast-records.test.ts` holds it to
 * kafkajs' decoder on random batches (offsets and timestamps near 2^53 and beyond, null and
 * empty keys and values, repeated headers, control batches, gzip, truncated tails).
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The kafkajs version this decoder mirrors. */
export const FAST_RECORDS_KAFKAJS_VERSION = '2.2.4';

const RECORD_BATCH_DECODER = 'kafkajs/src/protocol/recordBatch/v0/decoder.js';
const DECODE_MESSAGES = 'kafkajs/src/protocol/requests/fetch/v4/decodeMessages.js';

// kafkajs' own pieces the outer batch decoding keeps using
interface KafkaDecoder {
  buffer: Buffer;
  offset: number;
  readInt8(): number;
  readInt16(): number;
  readInt32(): number;
  readInt64(): { toString(): string };
  readAll(): Buffer;
  slice(size: number): KafkaDecoder;
  forward(size: number): void;
}
type Codec = { decompress(buffer: Buffer): Promise<Buffer> } | null;

interface BatchContext {
  firstOffset: string;
  firstTimestamp: string;
  partitionLeaderEpoch: number;
  inTransaction: boolean;
  isControlBatch: boolean;
  lastOffsetDelta: number;
  producerId: string;
  producerEpoch: number;
  firstSequence: number;
  maxTimestamp: string;
  timestampType: number;
  magicByte: number;
}

export interface DecodedRecord {
  magicByte: number;
  attributes: number;
  timestamp: string;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | null | Array<Buffer | null>>;
  isControlRecord: boolean;
  batchContext: BatchContext;
}

export type RecordBatchDecoder = (
  fetchDecoder: KafkaDecoder,
) => Promise<Omit<BatchContext, 'magicByte'> & { records: DecodedRecord[] }>;

const TIMESTAMP_TYPE_FLAG_MASK = 0x8;
const TRANSACTIONAL_FLAG_MASK = 0x10;
const CONTROL_FLAG_MASK = 0x20;
/** beyond this, base + a delta of at most DELTA_BOUND might not be a safe integer */
const SAFE_BASE = Number.MAX_SAFE_INTEGER - 2 ** 32;
const DELTA_BOUND = 2 ** 32;

/** kafkajs' record batch decoder with the per-record work done the lean way (see above). */
export function fastRecordBatchDecoder(kafkajs: {
  lookupCodecByAttributes: (attributes: number) => Codec;
  PartialMessageError: new (message: string) => Error;
  TimestampTypes: { LOG_APPEND_TIME: number; CREATE_TIME: number };
}): RecordBatchDecoder {
  const { lookupCodecByAttributes, PartialMessageError, TimestampTypes } = kafkajs;
  return async (fetchDecoder) => {
    // the batch header exactly as kafkajs reads it
    const firstOffset = fetchDecoder.readInt64().toString();
    const length = fetchDecoder.readInt32();
    const decoder = fetchDecoder.slice(length);
    fetchDecoder.forward(length);
    const remainingBytes = Buffer.byteLength(decoder.buffer);
    if (remainingBytes < length) {
      throw new PartialMessageError(
        `Tried to decode a partial record batch: remainingBytes(${remainingBytes}) < recordBatchLength(${length})`,
      );
    }
    const partitionLeaderEpoch = decoder.readInt32();
    const magicByte = decoder.readInt8();
    decoder.readInt32(); // CRC, not checked (neither does kafkajs)
    const attributes = decoder.readInt16();
    const lastOffsetDelta = decoder.readInt32();
    const firstTimestamp = decoder.readInt64().toString();
    const maxTimestamp = decoder.readInt64().toString();
    const producerId = decoder.readInt64().toString();
    const producerEpoch = decoder.readInt16();
    const firstSequence = decoder.readInt32();
    const timestampType =
      (attributes & TIMESTAMP_TYPE_FLAG_MASK) > 0
        ? TimestampTypes.LOG_APPEND_TIME
        : TimestampTypes.CREATE_TIME;
    const recordContext = {
      firstOffset,
      firstTimestamp,
      partitionLeaderEpoch,
      inTransaction: (attributes & TRANSACTIONAL_FLAG_MASK) > 0,
      isControlBatch: (attributes & CONTROL_FLAG_MASK) > 0,
      lastOffsetDelta,
      producerId,
      producerEpoch,
      firstSequence,
      maxTimestamp,
      timestampType,
    };
    const batchContext: BatchContext = { ...recordContext, magicByte };
    const codec = lookupCodecByAttributes(attributes);
    let records: DecodedRecord[];
    if (!codec) {
      const count = decoder.readInt32();
      records =
        count === -1
          ? []
          : decodeRecords(decoder.buffer, decoder.offset, count, batchContext, TimestampTypes);
    } else {
      const count = decoder.readInt32();
      if (count <= 0) records = [];
      else {
        const decompressed = await codec.decompress(decoder.readAll());
        records = decodeRecords(decompressed, 0, count, batchContext, TimestampTypes);
      }
    }
    return { ...recordContext, records };
  };
}

/**
 * `count` records from `buf` at `start`, as kafkajs' record decoder makes them. Reading past
 * the end throws a RangeError, as kafkajs' does (a batch is whole here: the caller checked).
 */
function decodeRecords(
  buf: Buffer,
  start: number,
  count: number,
  ctx: BatchContext,
  types: { LOG_APPEND_TIME: number },
): DecodedRecord[] {
  const records = new Array<DecodedRecord>(count);
  const offsetBase = Number(ctx.firstOffset);
  const timestampBase = Number(ctx.firstTimestamp);
  const safeOffsets = Math.abs(offsetBase) <= SAFE_BASE;
  const safeTimestamps = Math.abs(timestampBase) <= SAFE_BASE;
  const appendTime =
    ctx.timestampType === types.LOG_APPEND_TIME && ctx.maxTimestamp ? ctx.maxTimestamp : undefined;
  let pos = start;
  for (let i = 0; i < count; i++) {
    // Length => Varint (the record is read within it, as kafkajs reads it from a slice)
    let v = readVarInt(buf, pos);
    pos = varIntEnd;
    if (v < 0) throw new RangeError(`record ${i} has a negative length ${v}`);
    const end = pos + v;
    if (end > buf.length) throw new RangeError(`record ${i} ends past its batch (${end} > ${buf.length})`);
    const attributes = (buf[pos++]! << 24) >> 24;
    // TimestampDelta => Varlong
    const tsDelta = readVarLong(buf, pos);
    pos = varIntEnd;
    let timestamp: string;
    if (appendTime !== undefined) timestamp = appendTime;
    else if (safeTimestamps && typeof tsDelta === 'number' && Math.abs(tsDelta) <= DELTA_BOUND)
      timestamp = String(timestampBase + tsDelta);
    else timestamp = (BigInt(ctx.firstTimestamp) + BigInt(tsDelta)).toString();
    // OffsetDelta => Varint
    const offsetDelta = readVarInt(buf, pos);
    pos = varIntEnd;
    const offset = safeOffsets
      ? String(offsetBase + offsetDelta)
      : (BigInt(ctx.firstOffset) + BigInt(offsetDelta)).toString();
    // Key, Value => Varint length (-1: null) and bytes
    const key = readVarIntBytes(buf, pos);
    pos = varIntEnd;
    const value = readVarIntBytes(buf, pos);
    pos = varIntEnd;
    // Headers => [HeaderKey (varint string) HeaderValue (varint bytes)]; a repeated key collects
    // its values in an array, as kafkajs does
    const headerCount = readVarInt(buf, pos);
    pos = varIntEnd;
    const headers: DecodedRecord['headers'] = {};
    for (let h = 0; h < headerCount; h++) {
      v = readVarInt(buf, pos);
      pos = varIntEnd;
      // kafkajs reads a null header key (-1) as null, which names the header "null"
      let name = 'null';
      if (v !== -1) {
        name = buf.toString('utf8', pos, pos + v);
        pos += v;
      }
      const hv = readVarIntBytes(buf, pos);
      pos = varIntEnd;
      // read as kafkajs reads it, inherited names included (a header named 'constructor' gets
      // Object in front of its value there, and so here: the same records, quirks and all)
      const seen = (headers as Record<string, unknown>)[name] as DecodedRecord['headers'][string] | undefined;
      const merged = seen === undefined ? hv : Array.isArray(seen) ? [...seen, hv] : [seen, hv];
      // an own property whatever the name ('__proto__' included), as kafkajs' spread makes it
      Object.defineProperty(headers, name, {
        value: merged,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    if (pos > end) throw new RangeError(`record ${i} reads past its length`);
    pos = end;
    records[i] = {
      magicByte: ctx.magicByte,
      attributes,
      timestamp,
      offset,
      key,
      value,
      headers,
      isControlRecord: ctx.isControlBatch,
      batchContext: ctx,
    };
  }
  return records;
}

/** where the last varint read ended (saves an object per read) */
let varIntEnd = 0;

/** A zigzag varint of at most 5 bytes, read as kafkajs' `readVarInt` reads it. */
function readVarInt(buf: Buffer, pos: number): number {
  let result = 0;
  let shift = 0;
  let b: number;
  do {
    b = buf[pos++]!;
    if (b === undefined) throw new RangeError('varint past the end of the buffer');
    result += (b & 0x7f) << shift;
    shift += 7;
  } while (b >= 0x80);
  varIntEnd = pos;
  return (result >>> 1) ^ -(result & 1);
}

/** Varint-length bytes as a view of `buf` (-1: null), as kafkajs' `readVarIntBytes` reads them. */
function readVarIntBytes(buf: Buffer, pos: number): Buffer | null {
  const n = readVarInt(buf, pos);
  if (n === -1) return null;
  const start = varIntEnd;
  varIntEnd = start + n;
  return buf.subarray(start, start + n);
}

/**
 * A zigzag varlong: a number while it is a safe integer (any timestamp delta in practice),
 * else a bigint.
 */
function readVarLong(buf: Buffer, pos: number): number | bigint {
  let n = 0;
  let scale = 1;
  let bytes = 0;
  let b: number;
  do {
    b = buf[pos++]!;
    if (b === undefined) throw new RangeError('varlong past the end of the buffer');
    if (++bytes > 10) throw new RangeError('a varlong longer than 10 bytes');
    n += (b & 0x7f) * scale;
    scale *= 128;
  } while (b >= 0x80);
  varIntEnd = pos;
  if (n <= Number.MAX_SAFE_INTEGER) return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  // beyond 2^53: exactly, with BigInts, from the bytes again
  let big = 0n;
  let shift = 0n;
  for (let p = pos - bytes; p < pos; p++) {
    big |= BigInt(buf[p]! & 0x7f) << shift;
    shift += 7n;
  }
  big = BigInt.asUintN(64, big);
  return (big >> 1n) ^ -(big & 1n);
}

export type InstallResult = { installed: true } | { installed: false; reason: string };

let installed: InstallResult | undefined;

/**
 * Puts the lean decoder in place of kafkajs' record batch decoder, once per process. Must run
 * before the first fetch is decoded (it is called where the Kafka client is made); otherwise,
 * or on a kafkajs version other than FAST_RECORDS_KAFKAJS_VERSION, kafkajs' own stays.
 */
export function installFastRecordDecoder(): InstallResult {
  installed ??= install();
  return installed;
}

function install(): InstallResult {
  if (process.env.TR_KAFKAJS_RECORD_DECODER === 'kafkajs') {
    return { installed: false, reason: "TR_KAFKAJS_RECORD_DECODER=kafkajs keeps kafkajs' own decoder" };
  }
  let version: string;
  try {
    version = (require('kafkajs/package.json') as { version: string }).version;
  } catch {
    return { installed: false, reason: "kafkajs' package.json is not readable" };
  }
  if (version !== FAST_RECORDS_KAFKAJS_VERSION) {
    return {
      installed: false,
      reason: `kafkajs is ${version}; the lean record decoder mirrors ${FAST_RECORDS_KAFKAJS_VERSION}`,
    };
  }
  const batchPath = require.resolve(RECORD_BATCH_DECODER);
  if (require.cache[require.resolve(DECODE_MESSAGES)]) {
    return { installed: false, reason: "kafkajs' fetch decoding was loaded before the lean decoder" };
  }
  const fast = fastRecordBatchDecoder({
    lookupCodecByAttributes: (
      require('kafkajs/src/protocol/message/compression/index.js') as {
        lookupCodecByAttributes: (a: number) => Codec;
      }
    ).lookupCodecByAttributes,
    PartialMessageError: (
      require('kafkajs/src/errors.js') as { KafkaJSPartialMessageError: new (m: string) => Error }
    ).KafkaJSPartialMessageError,
    TimestampTypes: require('kafkajs/src/protocol/timestampTypes.js') as {
      LOG_APPEND_TIME: number;
      CREATE_TIME: number;
    },
  });
  require(batchPath);
  const cached = require.cache[batchPath];
  if (!cached)
    return { installed: false, reason: "kafkajs' record batch decoder is not in the module cache" };
  cached.exports = fast;
  lean = fast;
  return { installed: true };
}

let lean: RecordBatchDecoder | undefined;

/** Whether kafkajs' fetch decoding now gets the lean decoder from its module cache. */
export function leanRecordDecoderInUse(): boolean {
  return lean !== undefined && require(RECORD_BATCH_DECODER) === lean;
}
