import { parseInstantFast } from '../time/instant.js';
import { DECODE_LIMITS, inDecodeRange } from './decode-limits.js';
import { TRUNK_EVENT_SCHEMA_VERSION, type TrunkSample } from './trunk-event.js';

/**
 * The common event read straight from its bytes, without building the JSON text and the
 * parsed object first: compact JSON (no whitespace), the eight fields of the schema in any
 * order, plain ASCII strings without escapes, plain integers. Like `fastSample` it is sound,
 * not complete: it returns a sample only when `JSON.parse` plus the schema would accept the
 * bytes and give the same sample, and undefined for anything else (labels, escapes,
 * whitespace, non-ASCII, `1.0`, a duplicate key, a value out of range…), which the full
 * path then decides and explains. A property test holds the two paths to that.
 *
 * The event is the bytes of `b` in [from, to) (all of it by default): a record's value is read
 * where it lies in the fetched batch, without a Buffer made for it (kafka/kafkajs/lean-record.ts).
 */
export function fastSampleBytes(b: Uint8Array, from = 0, to = b.length): TrunkSample | undefined {
  if (from < 0 || to > b.length || from > to) throw new RangeError(`bytes ${from}..${to} of ${b.length}`);
  const len = to;
  const byteCount = to - from;
  if (byteCount < 2 || byteCount > DECODE_LIMITS.maxBytes || b[from] !== OPEN || b[len - 1] !== CLOSE)
    return undefined;
  let seen = 0;
  let trunkId = '';
  let trunkGroup = '';
  let region = '';
  let site = '';
  let time = Number.NaN;
  let schemaVersion = -1;
  let activeCalls = -1;
  let capacity = -1;
  let at = from + 1;
  for (;;) {
    // "key":
    if (b[at] !== QUOTE) return undefined;
    const field = keyAt(b, at + 1);
    if (field < 0 || (seen & (1 << field)) !== 0) return undefined;
    seen |= 1 << field;
    at += KEY_LENGTHS[field]! + 2;
    if (b[at] !== COLON) return undefined;
    at++;
    // value
    if (field >= FIRST_STRING) {
      if (b[at] !== QUOTE) return undefined;
      const start = at + 1;
      let end = start;
      let hash = 0;
      for (; end < len; end++) {
        const c = b[end]!;
        if (c === QUOTE) break;
        // whitespace, control characters, escapes and non-ASCII: the full path
        if (c <= SPACE || c === BACKSLASH || c >= 0x80) return undefined;
        hash = (Math.imul(hash, 31) + c) | 0;
      }
      const size = end - start;
      if (end >= len || size < 1 || size > 200) return undefined;
      if (field === F_EVENT_TIME) {
        time = instantAt(b, start, end);
      } else {
        const s = interned(b, start, end, hash);
        if (field === F_TRUNK_ID) trunkId = s;
        else if (field === F_TRUNK_GROUP) trunkGroup = s;
        else if (field === F_REGION) region = s;
        else site = s;
      }
      at = end + 1;
    } else {
      // a non-negative integer without a leading zero, at most 7 digits (≤ 1,000,000 is checked below)
      let n = 0;
      const start = at;
      for (; at < len; at++) {
        const d = b[at]! - ZERO;
        if (d < 0 || d > 9) break;
        n = n * 10 + d;
      }
      const digits = at - start;
      if (digits === 0 || digits > 7 || (digits > 1 && b[start] === ZERO)) return undefined;
      if (field === F_SCHEMA_VERSION) schemaVersion = n;
      else if (field === F_ACTIVE_CALLS) activeCalls = n;
      else capacity = n;
    }
    const next = b[at];
    if (next === COMMA) {
      at++;
      continue;
    }
    if (next === CLOSE && at === len - 1) break;
    return undefined;
  }
  if (seen !== ALL_FIELDS || schemaVersion !== TRUNK_EVENT_SCHEMA_VERSION) return undefined;
  if (activeCalls > 1_000_000 || capacity < 1 || capacity > 1_000_000 || activeCalls > capacity)
    return undefined;
  // NaN (an instant the fast parser does not read) is out of range
  if (!inDecodeRange(time)) return undefined;
  // toSample's object, built in one step (no fields object first: a million a second)
  return {
    trunkId,
    trunkGroup,
    region,
    site,
    labels: undefined,
    time,
    activeCalls,
    capacity,
    utilization: activeCalls / capacity,
  };
}

const OPEN = 0x7b; // {
const CLOSE = 0x7d; // }
const QUOTE = 0x22;
const COLON = 0x3a;
const COMMA = 0x2c;
const BACKSLASH = 0x5c;
const SPACE = 0x20;
const ZERO = 0x30;

// field numbers: the integers first, then the strings
const KEYS = [
  'schemaVersion',
  'activeCalls',
  'capacity',
  'trunkId',
  'trunkGroup',
  'region',
  'site',
  'eventTime',
] as const;
const F_SCHEMA_VERSION = 0;
const F_ACTIVE_CALLS = 1;
const F_CAPACITY = 2;
const FIRST_STRING = 3;
const F_TRUNK_ID = 3;
const F_TRUNK_GROUP = 4;
const F_REGION = 5;
const F_SITE = 6;
const F_EVENT_TIME = 7;
const ALL_FIELDS = (1 << KEYS.length) - 1;
const KEY_LENGTHS = KEYS.map((k) => k.length);
const KEY_BYTES = KEYS.map((k) => Uint8Array.from(k, (c) => c.charCodeAt(0)));

/** The field whose name (followed by its closing quote) starts at `at`, or -1. */
function keyAt(b: Uint8Array, at: number): number {
  // the first letter and the length tell the eight names apart; then every byte is compared
  let field: number;
  switch (b[at]) {
    case 0x73: // s
      field = b[at + 1] === 0x63 ? F_SCHEMA_VERSION : F_SITE;
      break;
    case 0x61: // a
      field = F_ACTIVE_CALLS;
      break;
    case 0x63: // c
      field = F_CAPACITY;
      break;
    case 0x74: // t
      field = b[at + 5] === 0x49 ? F_TRUNK_ID : F_TRUNK_GROUP; // trunkId / trunkGroup
      break;
    case 0x72: // r
      field = F_REGION;
      break;
    case 0x65: // e
      field = F_EVENT_TIME;
      break;
    default:
      return -1;
  }
  const key = KEY_BYTES[field]!;
  const n = key.length;
  if (b[at + n] !== QUOTE) return -1;
  for (let i = 0; i < n; i++) if (b[at + i] !== key[i]) return -1;
  return field;
}

/**
 * Events of one scrape carry the same instant: the last one parsed is remembered by its
 * bytes, which saves the string and the parse for most events of a busy stream.
 */
const lastInstant = new Uint8Array(64);
let lastInstantLength = 0;
let lastInstantMs = Number.NaN;

/** The instant written at [start, end), epoch ms, or NaN when the fast parser does not read it. */
function instantAt(b: Uint8Array, start: number, end: number): number {
  const n = end - start;
  if (n === lastInstantLength) {
    let i = 0;
    while (i < n && b[start + i] === lastInstant[i]) i++;
    if (i === n) return lastInstantMs;
  }
  const ms = parseInstantFast(latin1(b, start, end)) ?? Number.NaN;
  if (n <= lastInstant.length) {
    lastInstant.set(b.subarray(start, end));
    lastInstantLength = n;
    lastInstantMs = ms;
  }
  return ms;
}

/**
 * Names repeat (a few thousand trunks, groups, regions, sites): each is made into a string
 * once and found again by a hash of its bytes, which saves a string per field per event. A
 * direct-mapped table: a name whose slot another name took is made again and takes it back.
 */
const NAME_SLOTS = 1 << 16;
const names: Array<string | undefined> = new Array(NAME_SLOTS).fill(undefined);

function interned(b: Uint8Array, start: number, end: number, hash: number): string {
  const slot = Math.imul(hash ^ (end - start), 0x9e3779b1) >>> 16;
  const known = names[slot];
  if (known !== undefined && known.length === end - start) {
    let same = true;
    for (let i = 0; i < known.length; i++) {
      if (known.charCodeAt(i) !== b[start + i]) {
        same = false;
        break;
      }
    }
    if (same) return known;
  }
  const s = latin1(b, start, end);
  names[slot] = s;
  return s;
}

/** ASCII bytes as a string (checked ASCII by the caller, so latin1 is exact). */
function latin1(b: Uint8Array, start: number, end: number): string {
  if (Buffer.isBuffer(b)) return b.toString('latin1', start, end);
  return String.fromCharCode.apply(null, b.subarray(start, end) as unknown as number[]);
}
