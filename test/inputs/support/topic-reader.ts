import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';

export interface ReadRecord {
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/**
 * The committed records of `topic` from its beginning, bytes as they are, read by a throwaway
 * group until `enough(records)` holds or `timeoutMs` passed.
 */
export async function readRecords(
  kafka: Kafka,
  topic: string,
  enough: (records: readonly ReadRecord[]) => boolean,
  timeoutMs = 30_000,
): Promise<ReadRecord[]> {
  const out: ReadRecord[] = [];
  const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
      out.push({ partition, offset: message.offset, key: message.key, value: message.value, headers });
    },
  });
  const deadline = Date.now() + timeoutMs;
  while (!enough(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await consumer.disconnect();
  return out;
}
