import type { Headers, Message, TopicMessages } from './port.js';

/**
 * How many bytes records take in a produce request, to keep each record batch under its
 * topic's `max.message.bytes`. kafkajs sends one record batch per topic-partition per request
 * (a transaction's `sendBatch` too); the broker refuses a batch larger than the topic's
 * limit as a whole (MESSAGE_TOO_LARGE), compressed or not, and a transaction holding the
 * refused batch can only be aborted.
 */

/** the broker's `message.max.bytes` default, which a topic without an override has */
export const BROKER_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/** a v2 record batch's header: base offset to records count */
const BATCH_HEADER_BYTES = 61;

function varIntBytes(n: number): number {
  const z = n >= 0 ? 2 * n : -2 * n - 1; // zigzag
  let bytes = 1;
  for (let v = z; v >= 0x80; v = Math.floor(v / 0x80)) bytes++;
  return bytes;
}

function lengthOf(v: Buffer | string | null | undefined): number {
  return v == null ? -1 : typeof v === 'string' ? Buffer.byteLength(v) : v.byteLength;
}

function fieldBytes(v: Buffer | string | null | undefined): number {
  const n = lengthOf(v);
  return varIntBytes(n) + Math.max(0, n);
}

function headersBytes(headers: Headers | undefined): number {
  let count = 0;
  let bytes = 0;
  for (const [name, value] of Object.entries(headers ?? {})) {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v === undefined) continue;
      count++;
      bytes += fieldBytes(name) + fieldBytes(v as Buffer | string | null);
    }
  }
  return varIntBytes(count) + bytes;
}

/**
 * An upper bound of one record's bytes inside a record batch: the exact encoding of key,
 * value and headers, and the widest timestamp and offset deltas (they depend on the batch).
 */
export function recordBytes(m: Pick<Message, 'key' | 'value' | 'headers'>): number {
  // attributes, timestamp delta (a varlong), offset delta
  const body = 1 + 10 + 5 + fieldBytes(m.key) + fieldBytes(m.value) + headersBytes(m.headers);
  return varIntBytes(body) + body;
}

/**
 * The record bytes one batch may carry and stay within `maxMessageBytes` whether it is sent
 * plain or gzipped: gzip never grows data by more than zlib's `deflateBound` (a few bytes per
 * 4 KiB) plus its header and trailer, which incompressible bytes (an encrypted or binary
 * value) come close to.
 */
export function batchRecordBudget(maxMessageBytes: number): number {
  const room = maxMessageBytes - BATCH_HEADER_BYTES;
  const gzipped = (n: number) => n + (n >>> 12) + (n >>> 14) + (n >>> 25) + 32;
  let n = Math.floor((room - 32) / (1 + 1 / 4096 + 1 / 16384));
  while (n > 0 && gzipped(n) > room) n--;
  return Math.max(0, n);
}

/**
 * A transaction's records as produce requests, in order: the first holds every topic without
 * a limit and, of each topic in `limits` (topic → max.message.bytes), as many records as one
 * record batch may carry; the rest of those go in the requests after it, a batch's worth each.
 * Counted per topic, so per partition too, whichever partition each record goes to. A record
 * over the budget on its own goes alone (and is refused: dead letters are cut to fit first).
 */
export function packRequests(
  byTopic: Iterable<[string, Message[]]>,
  limits: ReadonlyMap<string, number> | undefined,
): TopicMessages[][] {
  const requests: TopicMessages[][] = [[]];
  const put = (n: number, topic: string, messages: Message[]) => {
    if (requests.length <= n) requests.push([]);
    requests[n]!.push({ topic, messages });
  };
  for (const [topic, messages] of byTopic) {
    const limit = limits?.get(topic);
    if (limit === undefined) {
      put(0, topic, messages);
      continue;
    }
    const budget = batchRecordBudget(limit);
    let n = 0;
    let chunk: Message[] = [];
    let bytes = 0;
    for (const m of messages) {
      const b = recordBytes(m);
      if (chunk.length > 0 && bytes + b > budget) {
        put(n++, topic, chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(m);
      bytes += b;
    }
    if (chunk.length > 0) put(n, topic, chunk);
  }
  return requests;
}
