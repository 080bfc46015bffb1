import { Partitioners } from 'kafkajs';
import { trunk } from './pipeline-workload.js';

/**
 * When the last input a decision needed was produced. A rules engine releases a sample of
 * event time t once every member trunk of its partition has sent a sample at least as late
 * (event time follows the slowest member: docs/rules.md), so the write a hot sample causes
 * can be made no earlier than the production of those samples, whatever the pipeline does.
 * This is worked out here from what the bench itself produced — the trunk's partition by the
 * producer's own partitioner (murmur2 of the key, as the events are sent), each trunk's samples
 * in the order produced — not from anything the reactor reports.
 */
export class InputsComplete {
  /** per trunk: the event time and the production time of each of its samples, in order */
  readonly #times: number[][];
  readonly #at: number[][];
  /** per partition: its trunks */
  readonly #members: number[][];
  readonly #partitionOf: number[];
  readonly #watched = new Map<string, readonly [trunk: number, time: number]>();

  constructor(trunks: number, partitions: number) {
    this.#times = Array.from({ length: trunks }, () => []);
    this.#at = Array.from({ length: trunks }, () => []);
    this.#members = trunksByPartition(trunks, partitions);
    this.#partitionOf = [];
    this.#members.forEach((members, p) => {
      for (const i of members) this.#partitionOf[i] = p;
    });
  }

  /** trunk i's sample of event time `time` was produced at wall-clock `at` */
  produced(i: number, time: number, at: number): void {
    this.#times[i]!.push(time);
    this.#at[i]!.push(at);
  }

  /** trunk i's sample of event time `time` is timed: completeAt will be asked for it */
  watch(i: number, time: number): void {
    this.#watched.set(`${trunk(i).trunkId}|${time}`, [i, time]);
  }

  /**
   * The wall-clock time by which every member of the sample's partition had produced a sample
   * at least as late as it (the sample itself included); NaN when some member never did.
   */
  completeAt(key: string): number {
    const w = this.#watched.get(key);
    if (!w) return Number.NaN;
    const [i, t] = w;
    let complete = Number.NEGATIVE_INFINITY;
    for (const j of this.#members[this.#partitionOf[i]!]!) {
      const k = firstAtLeast(this.#times[j]!, t);
      if (k === this.#times[j]!.length) return Number.NaN;
      complete = Math.max(complete, this.#at[j]![k]!);
    }
    return complete;
  }
}

/**
 * The trunks the bench's producer puts on each of `partitions` partitions: kafkajs' default
 * partitioner (murmur2 of the trunk id, the record's key), as the events are sent.
 */
export function trunksByPartition(trunks: number, partitions: number): number[][] {
  const partition = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    partitionErrorCode: 0,
    replicas: [0],
    isr: [0],
  }));
  const out: number[][] = Array.from({ length: partitions }, () => []);
  for (let i = 0; i < trunks; i++)
    out[
      partition({ topic: 'events', partitionMetadata, message: { key: trunk(i).trunkId, value: null } })
    ]!.push(i);
  return out;
}

/** index of the first element ≥ t in an ascending list (its length when none is) */
function firstAtLeast(list: readonly number[], t: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
