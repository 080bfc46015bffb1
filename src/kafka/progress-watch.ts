/**
 * Whether a stage's input partitions get anywhere. A partition whose batch or transaction
 * keeps failing at the same committed offset (a record whose output the broker refuses, a
 * dead-letter topic whose limit was lowered, a worker that throws on one input) is rewound and
 * retried for ever, several times a second; without this it would do so silently, its lag
 * still read and its readiness still green.
 *
 * Per partition: moving (no failure since its last commit), failing (failures at one
 * committed offset), stalled (at least `stalledAfterFailures` of them over at least
 * `stalledAfterMs`). A commit past that offset makes it moving again; a revocation forgets it
 * (its next owner watches it). From the second failure at one offset the next attempt waits,
 * doubling from `backoffBaseMs` to `backoffMaxMs`: a record that always fails would otherwise
 * be sent to the broker as fast as it refuses it (twenty times a second, a megabyte each when
 * it is that large), and a broker coming back gets the partition within `backoffMaxMs`. Pure:
 * the clock is passed in.
 */

export interface Stall {
  stage: string;
  topic: string;
  partition: number;
  /** the committed offset the partition does not get past */
  offset: string;
  /** failed batches and transactions at that offset */
  failures: number;
  /** the first of them, epoch ms */
  since: number;
  /** the last one's message */
  error: string;
}

export const PROGRESS_DEFAULTS = {
  /** failures at one committed offset before the partition counts as stalled */
  stalledAfterFailures: 3,
  /** ...over at least this long, milliseconds: a coordinator moving is a pause, not a stall */
  stalledAfterMs: 10_000,
  /** a stalled partition is logged at error at most this often, milliseconds */
  logEveryMs: 60_000,
  /** the wait before the attempt after a second failure at one offset, doubling from there, milliseconds */
  backoffBaseMs: 200,
  /** ...up to this, milliseconds */
  backoffMaxMs: 5_000,
} as const;

export interface ProgressWatchOptions {
  stage: string;
  topic: string;
  now: () => number;
  stalledAfterFailures?: number;
  stalledAfterMs?: number;
  logEveryMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

/**
 * What a failure is: the first at its offset or a repeat (for its log line), a stall to report
 * now, and how long to wait before the next attempt, milliseconds.
 */
export type FailureSeen = { first: boolean; report?: Stall; backoffMs: number };

interface Failing {
  offset: bigint;
  failures: number;
  since: number;
  error: string;
  /** when the stall was last reported */
  reportedAt: number | undefined;
}

export class ProgressWatch {
  readonly #o: Required<ProgressWatchOptions>;
  readonly #failing = new Map<number, Failing>();

  constructor(o: ProgressWatchOptions) {
    this.#o = { ...PROGRESS_DEFAULTS, ...o };
  }

  /** A batch or transaction of `partition` failed; `offset` is its committed offset. */
  failed(partition: number, offset: bigint, error: unknown): FailureSeen {
    const now = this.#o.now();
    let f = this.#failing.get(partition);
    if (!f || f.offset !== offset) {
      f = { offset, failures: 0, since: now, error: '', reportedAt: undefined };
      this.#failing.set(partition, f);
    }
    f.failures++;
    f.error = (error as Error)?.message ?? String(error);
    const first = f.failures === 1;
    const { backoffBaseMs, backoffMaxMs } = this.#o;
    const backoffMs =
      f.failures < 2 ? 0 : Math.min(backoffMaxMs, backoffBaseMs * 2 ** Math.min(f.failures - 2, 30));
    if (!this.#stalled(f, now)) return { first, backoffMs };
    if (f.reportedAt !== undefined && now - f.reportedAt < this.#o.logEveryMs) return { first, backoffMs };
    f.reportedAt = now;
    return { first, report: this.#stall(partition, f), backoffMs };
  }

  /** `partition` committed up to `offset`: past a failing offset, it moves again. */
  committed(partition: number, offset: bigint): void {
    const f = this.#failing.get(partition);
    if (f && offset > f.offset) this.#failing.delete(partition);
  }

  /** After a rebalance: partitions no longer assigned are another owner's to watch. */
  keep(assigned: ReadonlySet<number>): void {
    for (const p of [...this.#failing.keys()]) if (!assigned.has(p)) this.#failing.delete(p);
  }

  /** The partitions stalled now, by partition. */
  stalled(): Stall[] {
    const now = this.#o.now();
    return [...this.#failing]
      .filter(([, f]) => this.#stalled(f, now))
      .map(([p, f]) => this.#stall(p, f))
      .sort((a, b) => a.partition - b.partition);
  }

  #stalled(f: Failing, now: number): boolean {
    return f.failures >= this.#o.stalledAfterFailures && now - f.since >= this.#o.stalledAfterMs;
  }

  #stall(partition: number, f: Failing): Stall {
    const { stage, topic } = this.#o;
    return {
      stage,
      topic,
      partition,
      offset: f.offset.toString(),
      failures: f.failures,
      since: f.since,
      error: f.error,
    };
  }
}

/** One line naming a stalled partition, what it fails at and since when, and where to look. */
export function describeStall(s: Stall): string {
  return `${s.stage} stage: ${s.topic}[${s.partition}] cannot get past offset ${s.offset}: ${s.failures} failed attempts since ${new Date(s.since).toISOString()}, the last: ${s.error}. The partition is retried and nothing after that offset is processed until it commits; see docs/operations.md#a-stalled-partition`;
}

/** The readiness check's answer: ready while no partition is stalled; otherwise each one, named. */
export function progressReadiness(stalled: readonly Stall[]): {
  ready: boolean;
  detail?: Array<Stall & { message: string }>;
} {
  if (stalled.length === 0) return { ready: true };
  return { ready: false, detail: stalled.map((s) => ({ ...s, message: describeStall(s) })) };
}
