import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { StateRestoreError } from '../errors.js';
import type { RecordRead } from '../port.js';

/**
 * Reads the records at given offsets of one topic (the state records a restore needs). kafkajs
 * has no manual partition assignment, so a short-lived consumer in a throwaway group (it never
 * commits) seeks straight to the lowest wanted offset of each partition and stops once it has
 * them all.
 */
export async function readRecords(
  kafka: Pick<Kafka, 'consumer'>,
  o: RecordRead,
  at: ReadonlyArray<{ partition: number; offset: string }>,
): Promise<Map<string, Buffer | null>> {
  const out = new Map<string, Buffer | null>();
  const wanted = new Set(at.map((p) => `${p.partition}:${p.offset}`));
  if (wanted.size === 0) return out;
  const consumer = kafka.consumer({
    groupId: `${o.groupPrefix}.restore.${randomUUID()}`,
    readUncommitted: false,
    maxWaitTimeInMs: 100,
    retry: { retries: 10 },
  });
  const timeoutMs = o.timeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: o.topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new StateRestoreError(
              `records ${[...wanted].join(', ')} of ${o.topic} not read within ${timeoutMs} ms`,
            ),
          ),
        timeoutMs,
      );
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            for (const m of batch.messages) {
              const key = `${batch.partition}:${m.offset}`;
              if (!wanted.delete(key)) continue;
              out.set(key, m.value);
            }
            if (wanted.size === 0) resolve();
          },
        })
        .then(() => {
          // several wanted offsets may share a partition: start at the lowest
          const from = new Map<number, bigint>();
          for (const p of at) {
            const offset = BigInt(p.offset);
            const cur = from.get(p.partition);
            if (cur === undefined || offset < cur) from.set(p.partition, offset);
          }
          for (const [partition, offset] of from) {
            consumer.seek({ topic: o.topic, partition, offset: offset.toString() });
          }
        }, reject);
    });
    return out;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => {});
  }
}
