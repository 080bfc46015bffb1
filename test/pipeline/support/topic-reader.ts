import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';

export interface TopicRecord {
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

/**
 * Every committed record of a topic, read from the beginning by a throwaway group
 * (`read_committed`, so aborted transactions leave no trace), up to the end offsets the
 * topic had when the read began. Transaction markers take offsets too, so "done" is
 * "every partition's consumer position reached its end offset", not a record count; a
 * partition whose last offsets are markers alone may never reach a handler, so `idleMs`
 * without a fetch after joining also ends the read.
 */
export async function readCommitted(
  kafka: Kafka,
  topic: string,
  timeoutMs = 60_000,
  idleMs = 3_000,
): Promise<TopicRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<number, bigint>();
  try {
    for (const p of await admin.fetchTopicOffsets(topic)) ends.set(p.partition, BigInt(p.high));
  } finally {
    await admin.disconnect();
  }
  const pending = new Set([...ends].filter(([, end]) => end > 0n).map(([p]) => p));
  const out: TopicRecord[] = [];
  if (pending.size === 0) return out;

  const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        clearInterval(idle);
        reject(
          new Error(`${topic}: partitions ${[...pending].join(',')} not read to the end in ${timeoutMs} ms`),
        );
      }, timeoutMs);
      let joinedAt = 0;
      let lastBatch = 0;
      const done = () => {
        clearTimeout(timer);
        clearInterval(idle);
        resolve();
      };
      const idle = setInterval(() => {
        if (joinedAt > 0 && Date.now() - Math.max(joinedAt, lastBatch) > idleMs) done();
      }, 200);
      consumer.on(consumer.events.GROUP_JOIN, () => {
        joinedAt = Date.now();
      });
      const check = (partition: number, next: bigint) => {
        lastBatch = Date.now();
        if (next >= (ends.get(partition) ?? 0n)) pending.delete(partition);
        if (pending.size === 0) done();
      };
      consumer
        .run({
          eachBatch: async ({ batch }) => {
            for (const m of batch.messages) {
              if (BigInt(m.offset) >= (ends.get(batch.partition) ?? 0n)) break;
              const headers: Record<string, string> = {};
              for (const [k, v] of Object.entries(m.headers ?? {})) headers[k] = String(v);
              out.push({ key: m.key?.toString() ?? null, value: m.value?.toString() ?? null, headers });
            }
            // the batch's last offset may be a control record: the fetch still moved past it
            const last = BigInt(batch.lastOffset());
            check(batch.partition, last + 1n);
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}
