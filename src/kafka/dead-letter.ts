import { TopicLayoutError } from './errors.js';
import type { Headers, Message } from './port.js';
import { BROKER_DEFAULT_MAX_MESSAGE_BYTES, batchRecordBudget, recordBytes } from './record-size.js';

/** Header names on a dead-lettered message: where it came from and why it was refused. */
export const DLQ_HEADERS = {
  /** where the producer wrote the record: redrive sends it back there */
  topic: 'tr-original-topic',
  partition: 'tr-original-partition',
  offset: 'tr-original-offset',
  /** the last offset of a record batch dead-lettered whole (undecodable-batch.ts); `offset` is its first */
  lastOffset: 'tr-original-last-offset',
  code: 'tr-error-code',
  message: 'tr-error-message',
  stage: 'tr-stage',
  /** the value's length in bytes, when the value was cut to make the record fit its topic */
  truncated: 'tr-truncated',
  /** the key's length in bytes, when even the key had to be cut */
  keyTruncated: 'tr-key-truncated',
  /** where the stage read it, when that was the repartition topic rather than where the producer wrote it */
  repartitionTopic: 'tr-repartition-topic',
  repartitionPartition: 'tr-repartition-partition',
  repartitionOffset: 'tr-repartition-offset',
} as const;

export interface RecordPosition {
  topic: string;
  partition: number;
  offset: string;
}

export interface DeadLetterSource extends RecordPosition {
  key: Buffer | null;
  value: Buffer | null;
  /** the repartition topic's copy the stage read, when the source above is the producer's record */
  repartition?: RecordPosition;
}

/** the error message header is cut to this many characters */
const MESSAGE_HEADER_CHARS = 1024;

/**
 * The smallest `max.message.bytes` a dead-letter topic may have: a record with every header
 * at its longest (topic names of 249 characters, the message cut to 1 KiB) and a little of
 * the value fits in it.
 */
export const MIN_DEAD_LETTER_MAX_MESSAGE_BYTES = 8 * 1024;

/** The record bytes a dead letter may take on the broker's default `max.message.bytes`. */
export const DEFAULT_DEAD_LETTER_RECORD_BYTES = batchRecordBudget(BROKER_DEFAULT_MAX_MESSAGE_BYTES);

/**
 * The record bytes a dead letter may take on a dead-letter topic whose `max.message.bytes` is
 * `maxMessageBytes`: alone in its record batch, sent plain or gzipped. A topic too small for a
 * dead letter's headers is refused.
 */
export function deadLetterRecordBytes(topic: string, maxMessageBytes: number): number {
  if (maxMessageBytes < MIN_DEAD_LETTER_MAX_MESSAGE_BYTES)
    throw new TopicLayoutError(
      `dead-letter topic '${topic}' has max.message.bytes=${maxMessageBytes}, too small for a dead letter's headers: raise it to at least ${MIN_DEAD_LETTER_MAX_MESSAGE_BYTES} (the broker's default is ${BROKER_DEFAULT_MAX_MESSAGE_BYTES})`,
    );
  return batchRecordBudget(maxMessageBytes);
}

/**
 * The dead-letter record for a refused input: the original key and bytes (so it can be
 * redriven as is), where it came from and why in headers. Header values are strings; the
 * message is cut to 1 KiB. A record over `maxRecordBytes` (a value near the input topic's
 * limit, which the headers push over the dead-letter topic's) keeps its headers and key and
 * as much of the value as fits, from its start, with `tr-truncated` giving the value's
 * length; it can no longer be redriven as is, but says what came, where and why. A dead letter
 * that cannot be written would stall its partition for good.
 */
export function deadLetterMessage(
  source: DeadLetterSource,
  error: { code: string; message: string },
  stage: string,
  maxRecordBytes: number = DEFAULT_DEAD_LETTER_RECORD_BYTES,
): Message {
  const headers: Headers = {
    [DLQ_HEADERS.topic]: source.topic,
    [DLQ_HEADERS.partition]: String(source.partition),
    [DLQ_HEADERS.offset]: source.offset,
    [DLQ_HEADERS.code]: error.code,
    [DLQ_HEADERS.message]: error.message.slice(0, MESSAGE_HEADER_CHARS),
    [DLQ_HEADERS.stage]: stage,
  };
  if (source.repartition) {
    headers[DLQ_HEADERS.repartitionTopic] = source.repartition.topic;
    headers[DLQ_HEADERS.repartitionPartition] = String(source.repartition.partition);
    headers[DLQ_HEADERS.repartitionOffset] = source.repartition.offset;
  }
  const whole: Message = { key: source.key, value: source.value, headers };
  if (recordBytes(whole) <= maxRecordBytes) return whole;
  return fitted(source, headers, maxRecordBytes);
}

/** bytes the length varints of a cut key or value and of the record may grow by, beyond their measure at length 0 */
const VARINT_SLACK = 8;

/** Cuts the value (and the key, when even that is needed) so the record takes at most `max` bytes. */
function fitted(source: DeadLetterSource, headers: Headers, max: number): Message {
  const value = source.value ?? Buffer.alloc(0);
  const empty = Buffer.alloc(0);
  const marked: Headers = { ...headers };
  if (value.length > 0) marked[DLQ_HEADERS.truncated] = String(value.length);
  let key = source.key;
  if (key !== null && recordBytes({ key, value: empty, headers: marked }) + VARINT_SLACK > max) {
    marked[DLQ_HEADERS.keyTruncated] = String(key.length);
    const room = max - recordBytes({ key: empty, value: empty, headers: marked }) - 2 * VARINT_SLACK;
    key = key.subarray(0, Math.max(0, room));
  }
  const room = max - recordBytes({ key, value: empty, headers: marked }) - VARINT_SLACK;
  const kept = source.value === null ? null : value.subarray(0, Math.max(0, Math.min(value.length, room)));
  // only the key had to be cut: the value is whole, and says so by having no mark
  if (kept === null || kept.length === value.length) delete marked[DLQ_HEADERS.truncated];
  return { key, value: kept, headers: marked };
}
