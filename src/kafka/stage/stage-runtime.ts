import type { Logger } from 'pino';
import { Probe } from '../../observability/pipeline-events.js';
import type { Clock } from '../../time/clock.js';
import type { Pacing } from '../event-time-alignment.js';
import type { Stall } from '../progress-watch.js';
import type { QueuedCommit } from './commit-queue.js';
import type { TransactionalCommitter } from './committer.js';
import { STAGE_DEFAULTS } from './defaults.js';
import { PartitionTask, type TaskHost, type TaskSettings } from './partition-task.js';
import type { ConsumerControl, OfferedBatch, PartitionOwnership } from './ports.js';
import { Recovery } from './recovery.js';
import type { StageProcessor } from './worker.js';

export interface RuntimeOptions {
  name: string;
  inputTopic: string;
  processor: StageProcessor;
  logger: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
  clock: Clock;
  ownership: PartitionOwnership;
  control: ConsumerControl;
  committer: TransactionalCommitter;
  commitIntervalMs?: number;
  idleCommitMs?: number;
  maxTransactionBytes?: number;
  heartbeatEveryMs?: number;
  urgentTopics?: ReadonlySet<string>;
  /** output topic → max.message.bytes, for records packed into requests (Outbox.requests) */
  recordLimits?: ReadonlyMap<string, number>;
  /** waits while downstream is behind (backpressure), heartbeating; called before each batch */
  gate?: (heartbeat: () => Promise<void>, isRunning: () => boolean) => Promise<void>;
  pacing?: Pacing;
  /** where the stage tells what it consumed, committed and aborted (observability/pipeline-events.ts) */
  probe?: Probe;
}

/**
 * Consume → transform → produce, exactly once, for one stage's input partitions: a
 * `PartitionTask` per partition this instance owns, offered its batches; everything a task's
 * worker emitted, its state record and the input offset commit in one transaction
 * (TransactionalCommitter). A failure — of a batch or of a transaction — aborts, rewinds the
 * partition to its committed offset and drops the task; the next batch opens a new one, which
 * restores the committed state.
 *
 * Two ways to take a batch. With pacing (the repartition stage) a batch is processed in its
 * handler and every slice's commit awaited: the aligner reasons about committed slices.
 * Without, it is processed behind its handler (`#behind`), so the consumer fetches the next
 * batches meanwhile.
 */
export class StageRuntime {
  readonly #o: RuntimeOptions;
  readonly #probe: Probe;
  readonly #host: TaskHost;
  readonly #tasks = new Map<number, PartitionTask>();
  /** what a failure leads to (recovery.ts) */
  readonly #recovery: Recovery;
  /** aborted when the stage stops: ends the waits it started */
  readonly #halt = new AbortController();
  #assigned: ReadonlySet<number> = new Set();
  #stopping = false;

  constructor(o: RuntimeOptions) {
    this.#o = o;
    const probe = o.probe ?? new Probe();
    this.#probe = probe;
    this.#recovery = new Recovery({
      name: o.name,
      inputTopic: o.inputTopic,
      logger: o.logger,
      clock: o.clock,
      control: o.control,
      probe,
      stopping: () => this.#stopping,
      assigned: (partition) => this.#assigned.has(partition),
      current: (task) => this.#tasks.get(task.partition) === task,
      forget: (task) => this.#forget(task),
      signal: this.#halt.signal,
    });
    const settings: TaskSettings = {
      name: o.name,
      inputTopic: o.inputTopic,
      commitIntervalMs: o.commitIntervalMs ?? STAGE_DEFAULTS.commitIntervalMs,
      idleCommitMs: o.idleCommitMs ?? STAGE_DEFAULTS.idleCommitMs,
      maxTransactionBytes: o.maxTransactionBytes ?? STAGE_DEFAULTS.maxTransactionBytes,
      maxSlicesPerTransaction: STAGE_DEFAULTS.maxSlicesPerTransaction,
      heartbeatEveryMs: o.heartbeatEveryMs ?? STAGE_DEFAULTS.heartbeatEveryMs,
      urgentTopics: o.urgentTopics,
    };
    this.#host = {
      settings,
      clock: o.clock,
      pacing: o.pacing,
      stopping: () => this.#stopping,
      consumed: (partition, messages, lag) => probe.consumed(o.name, o.inputTopic, partition, messages, lag),
      resume: (partition) => o.control.resume(partition),
      transact: (task, c) => this.#transact(task, c),
      committed: (task, c) => this.#committed(task, c),
      commitFailed: (task, c, err) => this.#recovery.commitFailed(task, c.last, err),
    };
  }

  get assigned(): ReadonlySet<number> {
    return this.#assigned;
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  /** partitions that keep failing at one committed offset (readiness; progress-watch.ts) */
  stalled(): Stall[] {
    return this.#recovery.stalled();
  }

  /** the task of a partition, while there is one (tests) */
  task(partition: number): PartitionTask | undefined {
    return this.#tasks.get(partition);
  }

  /**
   * The group gave this instance `partitions`: the others' tasks are revoked, and the new
   * ones taken over now (producer, committed offset, state), not when their first batch comes —
   * the planning stage's input is quiet until a rule acts, and the first adjustment of each
   * partition would otherwise wait for all of it. A takeover that fails here is tried again by
   * the partition's first batch.
   */
  assign(partitions: ReadonlySet<number>): void {
    for (const [p, task] of [...this.#tasks]) {
      if (partitions.has(p)) continue;
      // an open slice is abandoned and queued commits fail (their producer is released):
      // the next owner processes again from the committed offset
      task.revoke();
      void this.#forget(task);
    }
    this.#assigned = partitions;
    this.#recovery.keep(partitions);
    this.#o.pacing?.assigned(partitions);
    if (!this.#stopping) for (const p of partitions) void this.#task(p).ready.catch(() => {});
  }

  /** A batch for its partition's task (kafkajs' `eachBatch`); throws what the consumer should retry. */
  async offer(b: OfferedBatch): Promise<void> {
    const { batch, heartbeat, isRunning, isStale } = b;
    const o = this.#o;
    if (this.#stopping || !isRunning() || isStale() || batch.messages.length === 0) return;
    // a batch that failed behind its handler: the consumer retries this one (from the
    // committed offset, after the rewind) with its backoff
    const failure = this.#recovery.untold(batch.partition);
    if (failure) throw failure;
    if (o.gate) await o.gate(heartbeat, () => isRunning() && !this.#stopping);
    // taking a partition over restores its state, which can outlast the session timeout (the
    // restore reads through a consumer group of its own): heartbeat meanwhile
    const task = this.#task(batch.partition);
    await this.#heartbeatUntil(
      task.ready.catch(() => {}),
      heartbeat,
    );
    await task.ready;
    if (task.state !== 'running') return;
    if (!o.pacing) return this.#behind(task, b);
    try {
      await task.locked(() => task.process(b));
    } catch (err) {
      throw await this.#recovery.batchFailed(task, err);
    }
    task.scheduleCut();
    // too many slices waiting for their commits: let them catch up (bounded memory)
    if (task.queued > STAGE_DEFAULTS.maxQueuedTransactions) await task.drained();
    await heartbeat().catch(() => {});
  }

  /**
   * Without pacing, a batch is processed behind its handler: the handler resolves the batch's
   * offsets and returns, so the consumer fetches the next batches while this one is processed
   * (kafkajs fetches only once every handler of the last fetch returned). At most
   * `batchesBehind` more batches per partition wait behind the one processing, so that the
   * next fetch is on its way while they are processed; then the handler waits for the oldest,
   * which bounds memory and lets backpressure through. A failure rewinds to the
   * committed offset and drops the task, as in the paced way, and is thrown to the consumer
   * at the partition's next batch, so its retry, backoff and crash handling apply as to a
   * batch that fails in its handler.
   */
  async #behind(task: PartitionTask, b: OfferedBatch): Promise<void> {
    const { batch, heartbeat, resolveOffset } = b;
    const job = task
      .locked(async () => {
        if (task.state !== 'running') return;
        const complete = await task.process(b, true);
        if (task.state !== 'running') return;
        if (!complete && !this.#stopping) return this.#recovery.interrupted(task);
        task.scheduleCut();
        if (task.queued > STAGE_DEFAULTS.maxQueuedTransactions) await task.drained();
      })
      .catch((err: unknown) => this.#recovery.batchFailedBehind(task, err));
    task.behind.push(job);
    // the whole batch is taken: the consumer fetches on from its end
    resolveOffset(batch.messages[batch.messages.length - 1]!.offset);
    if (task.behind.length > STAGE_DEFAULTS.batchesBehind)
      await this.#heartbeatUntil(task.behind.shift()!, heartbeat);
    await heartbeat().catch(() => {});
  }

  /**
   * Waits for `done`, heartbeating meanwhile. It may take long: a planning batch waits on a
   * slow WFM for up to `planner.readBudgetMs` (schedule-read.ts), and kafkajs heartbeats only
   * between handlers; a member silent for the session timeout is dropped from the group, and
   * its partitions rewound as after a failed batch.
   */
  async #heartbeatUntil(done: Promise<void>, heartbeat: () => Promise<void>): Promise<void> {
    const everyMs = this.#host.settings.heartbeatEveryMs;
    let finished = false;
    const settled = done.then(() => {
      finished = true;
    });
    while (!finished) {
      const tick = new AbortController();
      await Promise.race([settled, this.#o.clock.sleep(everyMs, tick.signal).catch(() => {})]);
      tick.abort();
      if (!finished) await heartbeat().catch(() => {});
    }
  }

  /** Makes the partition's task, taking the partition over, unless it has one. */
  #task(partition: number): PartitionTask {
    const existing = this.#tasks.get(partition);
    if (existing) return existing;
    const o = this.#o;
    const task = new PartitionTask(partition, this.#host, async () => {
      const { producer, positions } = await o.ownership.take(partition);
      const worker = (await o.processor.open(positions)).get(partition);
      if (!worker) throw new Error(`${o.name}: processor opened no worker for partition ${partition}`);
      return { producer, worker, offset: positions[0]?.offset };
    });
    task.ready.catch(() => {
      if (this.#tasks.get(partition) === task) this.#tasks.delete(partition);
    });
    this.#tasks.set(partition, task);
    return task;
  }

  /** Drops the task (while it is the partition's) and releases its producer. */
  async #forget(task: PartitionTask): Promise<void> {
    if (this.#tasks.get(task.partition) !== task) return;
    this.#tasks.delete(task.partition);
    await this.#o.ownership.release(task.partition);
  }

  #transact(task: PartitionTask, c: QueuedCommit): Promise<void> {
    return this.#o.committer.commit(task.producer, {
      requests: c.out.requests(this.#o.recordLimits),
      state: c.state,
      bytes: c.out.bytes,
      input: { topic: this.#o.inputTopic, partition: task.partition, next: c.next },
    });
  }

  #committed(task: PartitionTask, c: QueuedCommit): void {
    this.#recovery.committed(task.partition, task.committed);
    this.#probe.committed(this.#o.name, task.partition, c.messages, c.out.counts());
    for (let i = 0; i < c.slices; i++) this.#o.pacing?.sliceCommitted(task.partition);
  }

  /** The stage stops: no batch is taken any more, and no wait it started goes on. */
  halt(): void {
    this.#stopping = true;
    this.#halt.abort();
    this.#o.pacing?.close();
  }

  /** After `halt` and once the consumer stopped: every task's open slice commits. */
  async finish(): Promise<void> {
    await Promise.all(
      [...this.#tasks.values()].map(async (task) => {
        const opened = await task.ready.then(
          () => true,
          () => false,
        );
        if (opened) await task.finish().catch(() => {});
      }),
    );
  }
}
