import { StateRestoreError } from './errors.js';
import type { KafkaClient } from './port.js';
import type { CommittedPosition, PartitionWorker } from './stage/worker.js';
import { decodeStateRecord, type StatePointer, type StateRecord } from './state-record.js';

export interface StateReaderOptions {
  kafka: Pick<KafkaClient, 'readRecords'>;
  stateTopic: string;
  /** a prefix for the group ids of restore consumers */
  groupPrefix: string;
  /** give up after this long, milliseconds */
  timeoutMs?: number;
}

/** Reads the state records the committed offsets point at (several inputs may share one). */
export async function readStates(
  o: StateReaderOptions,
  pointers: ReadonlyMap<number, StatePointer>,
): Promise<Map<number, StateRecord>> {
  const out = new Map<number, StateRecord>();
  if (pointers.size === 0) return out;
  const wanted = new Map<string, { partition: number; offset: string }>();
  for (const p of pointers.values()) wanted.set(`${p.partition}:${p.offset}`, p);
  const values = await o.kafka.readRecords(
    { topic: o.stateTopic, groupPrefix: o.groupPrefix, ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}) },
    [...wanted.values()],
  );
  for (const [input, p] of pointers) {
    const at = `${p.partition}:${p.offset}`;
    const value = values.get(at);
    if (value === undefined) throw new StateRestoreError(`state record ${o.stateTopic}[${at}] was not read`);
    out.set(input, decodeStateRecord(value, `${o.stateTopic}[${p.partition}]@${p.offset}`));
  }
  return out;
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

/**
 * A stage processor's `open`: the workers of newly owned partitions, each made from the state
 * record its committed position points at (`restoreStates`; undefined when it has none).
 */
export async function openWorkers(
  o: StateReaderOptions,
  inputTopic: string,
  positions: readonly CommittedPosition[],
  make: (partition: number, record: StateRecord | undefined) => PartitionWorker,
): Promise<Map<number, PartitionWorker>> {
  const records = await restoreStates(o, inputTopic, positions);
  const out = new Map<number, PartitionWorker>();
  for (const pos of positions) out.set(pos.partition, make(pos.partition, records.get(pos.partition)));
  return out;
}
