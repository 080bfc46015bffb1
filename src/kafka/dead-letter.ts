import type { Message } from 'kafkajs';

/** Header names on a dead-lettered message: where it came from and why it was refused. */
export const DLQ_HEADERS = {
  topic: 'tr-original-topic',
  partition: 'tr-original-partition',
  offset: 'tr-original-offset',
  /** the last offset of a record batch dead-lettered whole (undecodable-batch.ts); `offset` is its first */
  lastOffset: 'tr-original-last-offset',
  code: 'tr-error-code',
  message: 'tr-error-message',
  stage: 'tr-stage',
} as const;

export interface DeadLetterSource {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
}

/**
 * The dead-letter record for a refused input: the original key and bytes unchanged (so
 * it can be redriven as is), the reason in headers. Header values are strings; the
 * message is cut to 1 KiB so one huge reason cannot make the record too large.
 */
export function deadLetterMessage(
  source: DeadLetterSource,
  error: { code: string; message: string },
  stage: string,
): Message {
  return {
    key: source.key,
    value: source.value,
    headers: {
      [DLQ_HEADERS.topic]: source.topic,
      [DLQ_HEADERS.partition]: String(source.partition),
      [DLQ_HEADERS.offset]: source.offset,
      [DLQ_HEADERS.code]: error.code,
      [DLQ_HEADERS.message]: error.message.slice(0, 1024),
      [DLQ_HEADERS.stage]: stage,
    },
  };
}
