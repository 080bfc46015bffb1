import { DLQ_HEADERS, deadLetterMessage } from './dead-letter.js';
import { UndecodableBatchError } from './errors.js';
import type { Message } from './port.js';

/** What of a record batch's header the stand-in keeps (a client's batch context may hold more). */
export interface BatchHeader {
  firstOffset: string;
  firstTimestamp: string;
  lastOffsetDelta: number;
  magicByte: number;
  producerId: string;
  inTransaction: boolean;
}

/**
 * A fetched record batch whose records could not be decoded, standing in for them as one
 * message at the batch's last offset. A client delivers it in the batch's place (the kafkajs
 * adapter's record decoder, kafkajs/record-decoder.ts, makes it).
 *
 * kafkajs decodes a fetch response whole: one batch it cannot decompress fails the fetch for
 * every partition the broker leads, and the consumer stops on it at every start ("Snappy
 * compression not implemented", or a corrupt payload); Kafka's Java consumer also stops, and
 * asks its caller to seek past the record. Here the batch becomes this message instead, and
 * a stage dead-letters it by position like any refused input: as its offset is the batch's
 * last, processing it moves the fetch position and the committed offset past the whole batch,
 * so the partition goes on without a seek, and a rewind or a restart comes back to it only
 * if it was not committed. Its key and value are null and it has no headers: the records' bytes
 * stay in the topic, at the offsets the dead letter names.
 */
export class UndecodableBatch {
  readonly key = null;
  readonly value = null;
  readonly headers = {};
  readonly isControlRecord = false;
  readonly magicByte: number;
  readonly attributes: number;
  readonly timestamp: string;
  /** the batch's last offset */
  readonly offset: string;
  readonly firstOffset: string;
  /** the records the batch says it holds */
  readonly records: number;
  readonly codec: string;
  /** why it could not be decoded */
  readonly cause: unknown;
  readonly batchContext: BatchHeader;

  constructor(ctx: BatchHeader, attributes: number, records: number, cause: unknown) {
    this.batchContext = ctx;
    this.magicByte = ctx.magicByte;
    this.attributes = attributes;
    this.timestamp = ctx.firstTimestamp;
    this.firstOffset = ctx.firstOffset;
    const last = BigInt(ctx.firstOffset) + BigInt(Math.max(0, ctx.lastOffsetDelta));
    this.offset = last.toString();
    this.records = records;
    this.codec = codecName(attributes);
    this.cause = cause;
  }

  /** The error a stage dead-letters it with, naming where it was read. */
  error(topic: string, partition: number): UndecodableBatchError {
    return new UndecodableBatchError(
      topic,
      partition,
      this.firstOffset,
      this.offset,
      this.codec,
      this.records,
      this.cause,
    );
  }
}

/**
 * The dead letter of an undecodable batch read from `topic`'s `partition` (`record`): its first
 * offset as the original offset, its last in `tr-original-last-offset`, the reason in the
 * usual headers; no key and no value. `code`: the error code, for the stage's counters.
 */
export function undecodableBatchDeadLetter(
  batch: UndecodableBatch,
  topic: string,
  partition: number,
  stage: string,
): { code: string; record: Message } {
  const error = batch.error(topic, partition);
  const letter = deadLetterMessage(
    { topic, partition, offset: batch.firstOffset, key: null, value: null },
    error,
    stage,
  );
  const record = { ...letter, headers: { ...letter.headers, [DLQ_HEADERS.lastOffset]: batch.offset } };
  return { code: error.code, record };
}

/** The codec ids of a record batch's attributes (its lowest three bits), by name. */
export const CODEC_NAMES: Readonly<Record<number, string>> = {
  0: 'none',
  1: 'gzip',
  2: 'snappy',
  3: 'lz4',
  4: 'zstd',
};

/** A batch's codec by name (`none` when uncompressed), or its id when Kafka defines no codec with it. */
export function codecName(attributes: number): string {
  const id = attributes & 0x07;
  return CODEC_NAMES[id] ?? `unknown (codec id ${id})`;
}
