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
 *
 * Where kafkajs fails the whole fetch, on a compressed batch it cannot decode (a codec it
 * lacks or does not know, a corrupt payload), this decoder gives one `UndecodableBatch` in the
 * batch's place, and the partitions' other batches as usual (undecodable-batch.ts).
 */
import { createRequire } from 'node:module';
import { UndecodableBatch } from '../undecodable-batch.js';

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

export interface BatchContext {
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

const COMPRESSION_CODEC_MASK = 0x07;
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
    const count = decoder.readInt32();
    let records: DecodedRecord[];
    if ((attributes & COMPRESSION_CODEC_MASK) === 0) {
      records =
        count === -1
          ? []
          : decodeRecords(decoder.buffer, decoder.offset, count, batchContext, TimestampTypes);
    } else if (count <= 0) {
      records = [];
    } else {
      // a batch whose records cannot be had (no such codec, a corrupt payload, records that do
      // not parse once decompressed) becomes one message in their place, for the stage to
      // dead-letter by position, instead of failing the whole fetch (undecodable-batch.ts)
      try {
        const codec = lookupCodecByAttributes(attributes);
        if (!codec) throw new Error(`Kafka defines no codec ${attributes & COMPRESSION_CODEC_MASK}`);
        const decompressed = await codec.decompress(decoder.readAll());
        records = decodeRecords(decompressed, 0, count, batchContext, TimestampTypes);
      } catch (cause) {
        records = [new UndecodableBatch(batchContext, attributes, count, cause)];
      }
    }
    return { ...recordContext, records };
  };
}

/**
 * A record as kafkajs' decoder makes it, with its key, value, headers, timestamp and offset
 * read from the batch's bytes when asked for, not up front. A fetch's records live while its
 * batches are processed, so their size is what the garbage collector copies: a lean record is
 * eight fields (kafkajs': nine, plus two Buffers, a header object and two strings), and a
 * stage that reads only the value, where it lies (`readValue`), makes nothing more. The key,
 * value and headers are read once and kept (the same Buffer every time, as kafkajs' record
 * gives); `offset` and `timestamp` are strings made on each read (equal every time);
 * `magicByte` and `isControlRecord` come from the batch context, as kafkajs sets them. All are
 * accessors on the prototype, assignable like kafkajs' plain properties; `attributes` and
 * `batchContext` are own properties. The record's fields were walked when it was decoded, so
 * a malformed record fails the fetch (decodeRecords), never a later read.
 */
export class LeanRecord implements DecodedRecord {
  attributes: number;
  batchContext: BatchContext;
  readonly #bytes: Buffer;
  /** where the key's length is, in #bytes: value and headers follow it */
  readonly #at: number;
  /** how many headers the record has (0 for most records) */
  readonly headerCount: number;
  /** the offset as a number while it is a safe integer, else its decimal string */
  readonly #offset: number | string;
  readonly #timestampDelta: number | bigint;
  /** what was read or assigned */
  #read: Read | undefined = undefined;

  constructor(
    ctx: BatchContext,
    attributes: number,
    offset: number | string,
    timestampDelta: number | bigint,
    bytes: Buffer,
    at: number,
    headerCount: number,
  ) {
    this.attributes = attributes;
    this.batchContext = ctx;
    this.#bytes = bytes;
    this.#at = at;
    this.headerCount = headerCount;
    this.#offset = offset;
    this.#timestampDelta = timestampDelta;
  }

  get magicByte(): number {
    return this.#read?.magicByte ?? this.batchContext.magicByte;
  }
  set magicByte(magicByte: number) {
    this.#state().magicByte = magicByte;
  }

  get isControlRecord(): boolean {
    return this.#read?.isControlRecord ?? this.batchContext.isControlBatch;
  }
  set isControlRecord(isControlRecord: boolean) {
    this.#state().isControlRecord = isControlRecord;
  }

  get offset(): string {
    const read = this.#read;
    if (read?.offset !== undefined) return read.offset;
    const o = this.#offset;
    return typeof o === 'string' ? o : String(o);
  }
  set offset(offset: string) {
    this.#state().offset = offset;
  }

  /**
   * The offset as a number, without making its string (lean-batch.ts compares it); undefined
   * past 2^53 or once `offset` was assigned: read `offset` then.
   */
  get offsetNumber(): number | undefined {
    const o = this.#offset;
    return typeof o === 'number' && this.#read?.offset === undefined ? o : undefined;
  }

  get timestamp(): string {
    return this.#read?.timestamp ?? timestampOf(this.batchContext, this.#timestampDelta);
  }
  set timestamp(timestamp: string) {
    this.#state().timestamp = timestamp;
  }

  get key(): Buffer | null {
    const read = this.#state();
    if (read.key === undefined) {
      const at = varIntBytesAt(this.#bytes, this.#at);
      read.key = at < 0 ? null : this.#bytes.subarray(at, varIntEnd);
    }
    return read.key;
  }
  set key(key: Buffer | null) {
    this.#state().key = key;
  }

  get value(): Buffer | null {
    const read = this.#state();
    if (read.value === undefined) read.value = this.readValue(valueBuffer);
    return read.value;
  }
  set value(value: Buffer | null) {
    this.#state().value = value;
  }

  /**
   * `read` over the value's bytes where they lie, `read(null, 0, 0)` for a null value: the
   * value without a Buffer made for it (or the value read or assigned before, if it was).
   */
  readValue<T>(read: (bytes: Uint8Array | null, from: number, to: number) => T): T {
    const known = this.#read?.value;
    if (known !== undefined) return known === null ? read(null, 0, 0) : read(known, 0, known.length);
    const bytes = this.#bytes;
    varIntBytesAt(bytes, this.#at);
    const at = varIntBytesAt(bytes, varIntEnd);
    return at < 0 ? read(null, 0, 0) : read(bytes, at, varIntEnd);
  }

  get headers(): DecodedRecord['headers'] {
    const read = this.#state();
    if (read.headers === undefined) {
      const bytes = this.#bytes;
      varIntBytesAt(bytes, this.#at);
      varIntBytesAt(bytes, varIntEnd);
      readVarInt(bytes, varIntEnd); // the count, known
      read.headers = readHeaders(bytes, varIntEnd, this.headerCount);
    }
    return read.headers;
  }
  set headers(headers: DecodedRecord['headers']) {
    this.#state().headers = headers;
  }

  #state(): Read {
    this.#read ??= {};
    return this.#read;
  }
}

/** A lean record's fields once read (or assigned); until then, read from its bytes. */
interface Read {
  magicByte?: number;
  isControlRecord?: boolean;
  offset?: string;
  timestamp?: string;
  key?: Buffer | null;
  value?: Buffer | null;
  headers?: DecodedRecord['headers'];
}

function valueBuffer(bytes: Uint8Array | null, from: number, to: number): Buffer | null {
  return bytes === null ? null : (bytes as Buffer).subarray(from, to);
}

/**
 * A message's header as a Buffer (the first of a repeated one), or undefined; without making a
 * lean record's header object when it has no headers at all (most records).
 */
export function messageHeader(
  m: { headers?: Record<string, unknown> },
  name: string,
): Buffer | string | undefined {
  if (m instanceof LeanRecord && m.headerCount === 0) return undefined;
  const h = m.headers?.[name];
  const first = Array.isArray(h) ? h[0] : h;
  return first === null || first === undefined ? undefined : (first as Buffer | string);
}

/**
 * `count` records from `buf` at `start`, as kafkajs' record decoder makes them. Reading past
 * the end throws a RangeError, as kafkajs' does (a batch is whole here: the caller checked); so
 * does a record whose fields run past its own length, which kafkajs reads cut short (brokers
 * validate what they store: only a corrupt fetch has one).
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
  const safeOffsets = Math.abs(offsetBase) <= SAFE_BASE;
  // a batch with log-append time gives every record its maxTimestamp
  const appendTime =
    ctx.timestampType === types.LOG_APPEND_TIME && ctx.maxTimestamp ? ctx.maxTimestamp : undefined;
  let pos = start;
  for (let i = 0; i < count; i++) {
    // Length => Varint (the record is read within it, as kafkajs reads it from a slice)
    const length = readVarInt(buf, pos);
    pos = varIntEnd;
    if (length < 0) throw new RangeError(`record ${i} has a negative length ${length}`);
    const end = pos + length;
    if (end > buf.length) throw new RangeError(`record ${i} ends past its batch (${end} > ${buf.length})`);
    const attributes = (buf[pos++]! << 24) >> 24;
    // TimestampDelta => Varlong
    const timestampDelta = readVarLong(buf, pos);
    pos = varIntEnd;
    // OffsetDelta => Varint
    const offsetDelta = readVarInt(buf, pos);
    pos = varIntEnd;
    const offset = safeOffsets
      ? offsetBase + offsetDelta
      : (BigInt(ctx.firstOffset) + BigInt(offsetDelta)).toString();
    // Key, Value => Varint length (-1: null) and bytes; then the headers. Walked now (a
    // malformed record fails here), read when asked for (LeanRecord)
    const at = pos;
    varIntBytesAt(buf, pos);
    varIntBytesAt(buf, varIntEnd);
    const headerCount = readVarInt(buf, varIntEnd);
    pos = varIntEnd;
    for (let h = 0; h < headerCount; h++) {
      const nameLength = readVarInt(buf, pos);
      pos = varIntEnd;
      if (nameLength !== -1) pos += nameLength;
      varIntBytesAt(buf, pos);
      pos = varIntEnd;
    }
    if (pos > end) throw new RangeError(`record ${i} reads past its length`);
    pos = end;
    const record = new LeanRecord(ctx, attributes, offset, timestampDelta, buf, at, headerCount);
    if (appendTime !== undefined) record.timestamp = appendTime;
    records[i] = record;
  }
  return records;
}

/** A record's timestamp as kafkajs makes it: the batch's first timestamp plus the delta. */
function timestampOf(ctx: BatchContext, delta: number | bigint): string {
  const base = Number(ctx.firstTimestamp);
  if (Math.abs(base) <= SAFE_BASE && typeof delta === 'number' && Math.abs(delta) <= DELTA_BOUND)
    return String(base + delta);
  return (BigInt(ctx.firstTimestamp) + BigInt(delta)).toString();
}

/** `count` headers from `pos`, as kafkajs reads them (walked and checked when decoded). */
function readHeaders(buf: Buffer, pos: number, count: number): DecodedRecord['headers'] {
  const headers: DecodedRecord['headers'] = {};
  for (let h = 0; h < count; h++) {
    const v = readVarInt(buf, pos);
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
  return headers;
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
  const at = varIntBytesAt(buf, pos);
  return at < 0 ? null : buf.subarray(at, varIntEnd);
}

/**
 * Where varint-length bytes at `pos` start (-1: null); `varIntEnd` is then where they end.
 * Lengths are taken as kafkajs takes them (a record read past its length fails the batch).
 */
function varIntBytesAt(buf: Buffer, pos: number): number {
  const n = readVarInt(buf, pos);
  if (n === -1) return -1;
  const start = varIntEnd;
  varIntEnd = start + n;
  return start;
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

/**
 * Why a lean replacement of a kafkajs part must not go in, or undefined: the opt-out
 * (`TR_KAFKAJS_RECORD_DECODER=kafkajs`, for the decoder and the batch alike) or a kafkajs
 * version other than the one mirrored. `own`: the kafkajs part that then stays ("decoder"),
 * `lean`: the replacement's name ("lean record decoder").
 */
export function kafkajsReplacementRefused(own: string, lean: string): InstallResult | undefined {
  if (process.env.TR_KAFKAJS_RECORD_DECODER === 'kafkajs') {
    return { installed: false, reason: `TR_KAFKAJS_RECORD_DECODER=kafkajs keeps kafkajs' own ${own}` };
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
      reason: `kafkajs is ${version}; the ${lean} mirrors ${FAST_RECORDS_KAFKAJS_VERSION}`,
    };
  }
  return undefined;
}

function install(): InstallResult {
  const refused = kafkajsReplacementRefused('decoder', 'lean record decoder');
  if (refused) return refused;
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
