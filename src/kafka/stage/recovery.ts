import type { Logger } from 'pino';
import type { Probe } from '../../observability/pipeline-events.js';
import type { Clock } from '../../time/clock.js';
import { BatchAbortedError } from '../errors.js';
import { describeStall, ProgressWatch, type Stall } from '../progress-watch.js';
import type { PartitionTask } from './partition-task.js';
import type { ConsumerControl } from './ports.js';

export interface RecoveryOptions {
  name: string;
  inputTopic: string;
  logger: Pick<Logger, 'warn' | 'error' | 'debug'>;
  clock: Clock;
  control: ConsumerControl;
  /** told of every failed batch and transaction */
  probe: Probe;
  stopping(): boolean;
  assigned(partition: number): boolean;
  /** the task is its partition's current one */
  current(task: PartitionTask): boolean;
  /** drops the task (while it is its partition's current one) and releases its producer */
  forget(task: PartitionTask): Promise<void>;
  /** aborted when the stage stops: ends the pauses started here */
  signal: AbortSignal;
}

/**
 * What a failure of a partition leads to. Whatever failed — a batch, a transaction — what was
 * not committed is forgotten: the partition's fetch position goes back to its committed offset
 * (`rewind`), its task is dropped with its state and producer (a new task restores the
 * committed state), and the consumer is told, so that its retry, backoff and crash handling
 * apply. Failures are counted per partition at its committed offset (progress-watch.ts): from
 * the second at one offset the partition pauses before the next attempt, and a partition that
 * keeps failing is reported as stalled.
 */
export class Recovery {
  readonly #o: RecoveryOptions;
  readonly #progress: ProgressWatch;
  /** a batch that failed after its handler returned, told to the consumer at the partition's next batch */
  readonly #untold = new Map<number, BatchAbortedError>();

  constructor(o: RecoveryOptions) {
    this.#o = o;
    this.#progress = new ProgressWatch({ stage: o.name, topic: o.inputTopic, now: () => o.clock.now() });
  }

  /** partitions that keep failing at one committed offset (readiness) */
  stalled(): Stall[] {
    return this.#progress.stalled();
  }

  /** the partition committed up to `offset`: past a failing offset, it moves again */
  committed(partition: number, offset: bigint): void {
    this.#progress.committed(partition, offset);
  }

  /** after a rebalance: the partitions that went elsewhere are their new owners' to watch */
  keep(assigned: ReadonlySet<number>): void {
    for (const p of [...this.#untold.keys()]) if (!assigned.has(p)) this.#untold.delete(p);
    this.#progress.keep(assigned);
  }

  /** The failure of a batch processed behind its handler, once: the consumer is to retry the partition's next batch. */
  untold(partition: number): BatchAbortedError | undefined {
    const failure = this.#untold.get(partition);
    this.#untold.delete(partition);
    return failure;
  }

  /**
   * A batch failed in its handler. The worker's state already holds messages of the open slice
   * (a planner read failed after the engine fired, say), so the task is dropped as after a
   * failed commit, and the partition rewound: the consumer retries a failed batch handler under
   * the same group membership, fetching from the offsets resolved so far — which run ahead of
   * the committed ones — so without the seek the slice's messages would never come again (lost
   * input, different decisions). Returns the error to throw, once the task is dropped.
   */
  async batchFailed(task: PartitionTask, err: unknown): Promise<BatchAbortedError> {
    const { error, dropped } = this.#batchFailed(task, err);
    await dropped;
    return error;
  }

  /** A batch failed behind its handler: as `batchFailed`, and the error is told at the partition's next batch. */
  batchFailedBehind(task: PartitionTask, err: unknown): void {
    if (task.state !== 'running') return;
    const o = this.#o;
    const { error, first } = this.#batchFailed(task, err);
    o.logger[first ? 'warn' : 'debug'](
      { stage: o.name, partition: task.partition, err: error },
      'batch failed; rewinding to the committed offset',
    );
    this.#untold.set(task.partition, error);
  }

  /**
   * A batch was cut short behind its handler (stale after a seek or a revocation, or the
   * consumer restarting): the consumer fetches from the resolved offsets, already past what was
   * processed, so the partition goes back to its committed offset. Not a failure: not counted.
   */
  async interrupted(task: PartitionTask): Promise<void> {
    this.#rewind(task);
    task.fail();
    await this.#o.forget(task);
  }

  /**
   * A transaction failed (fenced by a new owner, broker trouble): everything after the last
   * commit is forgotten — the task is dropped with its state and producer, and the fetch
   * position rewound to the committed offset, where a new task restores the committed state
   * and processes again (the aborted records never became visible). `last`: the last input
   * offset the transaction covered.
   */
  commitFailed(task: PartitionTask, last: string, err: unknown): void {
    const o = this.#o;
    o.probe.aborted(o.name, task.partition);
    if (!task.fail()) return;
    const aborted = new BatchAbortedError(
      `${o.name} ${o.inputTopic}[${task.partition}] up to offset ${last}`,
      err,
    );
    // at error: kafkajs logs the retriable answers it met on the way at debug (kafkajs/log-level.ts),
    // so this line is what tells that a transaction was given up; its repeats at the same
    // offset at debug, and a stall once a minute at error (#failedAt)
    const first = this.#failedAt(task, aborted);
    o.logger[first ? 'error' : 'debug'](
      { stage: o.name, partition: task.partition, err: aborted },
      'transaction aborted; rewinding to the committed offset',
    );
    if (!o.current(task)) return;
    // seek first: until the consumer fetches from there, batches it already holds for the
    // partition are stale and skipped; only then drop the task, so the next batch opens the
    // partition afresh from the committed offset and state
    this.#rewind(task);
    void o.forget(task);
  }

  #batchFailed(
    task: PartitionTask,
    err: unknown,
  ): { error: BatchAbortedError; dropped: Promise<void>; first: boolean } {
    const o = this.#o;
    const error =
      err instanceof BatchAbortedError
        ? err
        : new BatchAbortedError(`${o.name} ${o.inputTopic}[${task.partition}]`, err);
    if (!task.fail()) return { error, dropped: Promise.resolve(), first: false };
    o.probe.aborted(o.name, task.partition);
    const first = this.#failedAt(task, error);
    this.#rewind(task);
    return { error, dropped: o.forget(task), first };
  }

  /**
   * Counts a failure at the partition's committed offset; a stalled partition is logged here,
   * at error, once a minute, and a repeated failure waits before the next attempt. True when it
   * is the first failure at that offset: the caller logs that one at its level, repeats at debug.
   */
  #failedAt(task: PartitionTask, error: BatchAbortedError): boolean {
    const o = this.#o;
    const seen = this.#progress.failed(task.partition, task.committed, error);
    if (seen.report)
      o.logger.error(
        { stage: o.name, partition: task.partition, stalled: seen.report },
        describeStall(seen.report),
      );
    if (seen.backoffMs > 0) this.#pauseFor(task.partition, seen.backoffMs);
    return seen.first;
  }

  /**
   * Fetches nothing of the partition for `ms`. A resume by the pacing meanwhile (a held
   * partition let go) only ends the wait early; a partition that went to another member is
   * resumed all the same, as kafkajs keeps a pause across rebalances.
   */
  #pauseFor(partition: number, ms: number): void {
    const o = this.#o;
    if (o.stopping() || !o.assigned(partition)) return;
    o.control.pause(partition);
    o.clock.sleep(ms, o.signal).then(
      () => {
        if (!o.stopping()) o.control.resume(partition);
      },
      () => {},
    );
  }

  /**
   * Points the partition's fetch position back at the last offset the task committed (or the
   * committed offset it started from). Earlier than the broker's committed offset is harmless —
   * the next task skips what was committed — later would lose input.
   */
  #rewind(task: PartitionTask): void {
    const o = this.#o;
    if (o.stopping() || !o.assigned(task.partition)) return;
    try {
      o.control.seek(task.partition, task.committed.toString());
    } catch (err) {
      o.logger.error({ stage: o.name, partition: task.partition, err }, 'rewind failed');
    }
  }
}
