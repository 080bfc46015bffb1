import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';

/** One record of the events topic with the time its producer stamped on it (CreateTime, epoch ms). */
export interface StampedRecord {
  key: string | null;
  value: string;
  timestamp: number;
}

/**
 * Every record of a topic up to the end offsets it had when the read began, with each record's
 * timestamp: kafkajs stamps a record with its producer's clock when it is sent, so timestamp −
 * eventTime is the event's age when the bridge produced it. The topic is written without
 * transactions, so the end offset of a partition is its last record + 1.
 */
export async function readStamped(
  kafka: Kafka,
  topic: string,
  timeoutMs = 120_000,
): Promise<StampedRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<number, bigint>();
  try {
    for (const p of await admin.fetchTopicOffsets(topic)) ends.set(p.partition, BigInt(p.high));
  } finally {
    await admin.disconnect();
  }
  const pending = new Set([...ends].filter(([, end]) => end > 0n).map(([p]) => p));
  const out: StampedRecord[] = [];
  if (pending.size === 0) return out;
  const consumer = kafka.consumer({ groupId: `bridge-reader-${randomUUID()}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `${topic}: partitions ${[...pending].join(',')} not read to the end in ${timeoutMs} ms`,
            ),
          ),
        timeoutMs,
      );
      consumer
        .run({
          eachBatch: async ({ batch }) => {
            const end = ends.get(batch.partition) ?? 0n;
            for (const m of batch.messages) {
              if (BigInt(m.offset) >= end) break;
              out.push({
                key: m.key?.toString() ?? null,
                value: m.value?.toString() ?? '',
                timestamp: Number(m.timestamp),
              });
            }
            if (BigInt(batch.lastOffset()) + 1n >= end) pending.delete(batch.partition);
            if (pending.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}
