import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { StateRestoreError } from './errors.js';
import { decodeStateRecord, type StatePointer, type StateRecord } from './state-record.js';
import type { CommittedPosition } from './transactional-stage.js';

export interface StateReaderOptions {
  kafka: Kafka;
  stateTopic: string;
  /** a prefix for the throwaway group ids of restore consumers */
  groupPrefix: string;
  /** give up after this long, milliseconds */
  timeoutMs?: number;
}

/**
 * Reads the state records the committed offsets point at. kafkajs has no manual
 * partition assignment, so a short-lived consumer in a throwaway group (never commits)
 * seeks straight to each pointed-at offset and stops once it has them all.
 */
export async function readStates(
  o: StateReaderOptions,
  pointers: ReadonlyMap<number, StatePointer>,
): Promise<Map<number, StateRecord>> {
  const out = new Map<number, StateRecord>();
  if (pointers.size === 0) return out;
  const wanted = new Map<string, number[]>();
  for (const [input, p] of pointers) {
    const k = `${p.partition}:${p.offset}`;
    wanted.set(k, [...(wanted.get(k) ?? []), input]);
  }
  const consumer = o.kafka.consumer({
    groupId: `${o.groupPrefix}.restore.${randomUUID()}`,
    readUncommitted: false,
    maxWaitTimeInMs: 100,
    retry: { retries: 10 },
  });
  const timeoutMs = o.timeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: o.stateTopic, fromBeginning: true });
    const done = new Promise<void>((resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new StateRestoreError(
              `state records ${[...wanted.keys()].join(', ')} not read within ${timeoutMs} ms`,
            ),
          ),
        timeoutMs,
      );
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            for (const m of batch.messages) {
              const inputs = wanted.get(`${batch.partition}:${m.offset}`);
              if (!inputs) continue;
              const r = decodeStateRecord(m.value, `${o.stateTopic}[${batch.partition}]@${m.offset}`);
              for (const i of inputs) out.set(i, r);
              wanted.delete(`${batch.partition}:${m.offset}`);
            }
            if (wanted.size === 0) resolve();
          },
        })
        .then(() => {
          // several inputs may share a state partition: start at the lowest wanted offset
          const from = new Map<number, bigint>();
          for (const p of pointers.values()) {
            const at = BigInt(p.offset);
            const cur = from.get(p.partition);
            if (cur === undefined || at < cur) from.set(p.partition, at);
          }
          for (const [partition, at] of from) {
            consumer.seek({ topic: o.stateTopic, partition, offset: at.toString() });
          }
        }, reject);
    });
    await done;
    return out;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => {});
  }
}

/**
 * The state record of each committed position that points at one (`readStates`), checked
 * against its position: the record and the offset are written in one transaction, so a record
 * of another topic or offset means the state topic was changed by hand.
 */
export async function restoreStates(
  o: StateReaderOptions,
  inputTopic: string,
  positions: readonly CommittedPosition[],
): Promise<Map<number, StateRecord>> {
  const pointers = new Map<number, StatePointer>();
  for (const p of positions) if (p.state) pointers.set(p.partition, p.state);
  const records = await readStates(o, pointers);
  for (const pos of positions) {
    const rec = records.get(pos.partition);
    if (rec && (rec.topic !== inputTopic || rec.nextOffset !== pos.offset)) {
      throw new StateRestoreError(
        `${inputTopic}[${pos.partition}]: the state record reflects ${rec.topic}@${rec.nextOffset}, the committed offset is ${pos.offset}; they are written in one transaction, so the state topic was changed by hand`,
      );
    }
  }
  return records;
}
