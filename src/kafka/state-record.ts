import { StateRestoreError } from './errors.js';
import type { Message } from './port.js';

/**
 * One partition's rule state as stored on the compacted state topic. The record is
 * written in the same transaction as the input offsets it reflects, and the committed
 * offset's metadata points at it (`StatePointer`), so on assignment the owner reads
 * exactly the state that matches the committed offset: no replay, no guessing.
 */
export const STATE_RECORD_FORMAT = 'trunk-reactor/partition-state@1';

export interface StateRecord {
  format: typeof STATE_RECORD_FORMAT;
  /** input topic and partition the state belongs to */
  topic: string;
  partition: number;
  /** the next input offset to process: every offset below it is reflected in `lanes` */
  nextOffset: string;
  rulesFingerprint: string;
  /** per lane: the evaluator snapshot */
  lanes: Record<string, unknown>;
}

export function stateKey(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}

/** State of input partition p lives on state partition p mod n (like a Streams changelog). */
export function statePartitionOf(inputPartition: number, statePartitions: number): number {
  return inputPartition % statePartitions;
}

export function stateMessage(r: StateRecord, statePartitions: number): Message {
  return {
    key: stateKey(r.topic, r.partition),
    value: JSON.stringify(r),
    partition: statePartitionOf(r.partition, statePartitions),
  };
}

export function decodeStateRecord(value: Buffer | null, where: string): StateRecord {
  if (!value) throw new StateRestoreError(`${where}: the state record is empty (a tombstone?)`);
  let r: StateRecord;
  try {
    r = JSON.parse(value.toString('utf8')) as StateRecord;
  } catch (cause) {
    throw new StateRestoreError(`${where}: the state record is not JSON`, { cause });
  }
  if (r.format !== STATE_RECORD_FORMAT) {
    throw new StateRestoreError(`${where}: state format '${r.format}' is not ${STATE_RECORD_FORMAT}`);
  }
  return r;
}

/** Where the committed offset's state is: kept in the offset commit's metadata (max 4 KiB). */
export interface StatePointer {
  partition: number;
  offset: string;
}

const POINTER = /^tr-state@1:(\d+):(\d+)$/;

export function encodePointer(p: StatePointer): string {
  return `tr-state@1:${p.partition}:${p.offset}`;
}

export function decodePointer(metadata: string | null | undefined): StatePointer | undefined {
  const m = metadata ? POINTER.exec(metadata) : null;
  return m ? { partition: Number(m[1]), offset: m[2]! } : undefined;
}
