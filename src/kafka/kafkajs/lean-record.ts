/**
 * kafkajs' records, made the lean way: read from a fetched batch's bytes as kafkajs 2.2.4's
 * record decoder reads them (record-decoder.ts), each record's key, value and headers read when
 * asked for.
 */

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

/** beyond this, base + a delta of at most DELTA_BOUND might not be a safe integer */
const SAFE_BASE = Number.MAX_SAFE_INTEGER - 2 ** 32;
const DELTA_BOUND = 2 ** 32;

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
 * `count` records from `buf` at `start`, as kafkajs' record decoder makes them. Reading past
 * the end throws a RangeError, as kafkajs' does (a batch is whole here: the caller checked); so
 * does a record whose fields run past its own length, which kafkajs reads cut short (brokers
 * validate what they store: only a corrupt fetch has one).
 */
export function decodeRecords(
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
