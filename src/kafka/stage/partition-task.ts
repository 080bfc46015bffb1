import type { Clock } from '../../time/clock.js';
import { BatchAbortedError } from '../errors.js';
import type { Pacing } from '../event-time-alignment.js';
import type { ConsumedMessage } from '../port.js';
import { CommitQueue, type QueuedCommit } from './commit-queue.js';
import type { TransactionalProducer } from './committer.js';
import { Alarm, cutDue } from './cut-timer.js';
import { Outbox } from './outbox.js';
import type { OfferedBatch } from './ports.js';
import type { PartitionWorker } from './worker.js';

/**
 * A task's life: `opening` while its producer fences the previous owner and its state is
 * restored; `running` while it is offered batches; then `failed` (a batch or a transaction
 * failed: what was not committed is processed again by a new task) or `revoked` (the partition
 * went to another member). Both ends are final: the stage makes a new task for the partition.
 */
export type TaskState = 'opening' | 'running' | 'failed' | 'revoked';

const TRANSITIONS: Readonly<Record<TaskState, readonly TaskState[]>> = {
  opening: ['running', 'failed', 'revoked'],
  running: ['failed', 'revoked'],
  failed: [],
  revoked: [],
};

/** A stage's knobs as its tasks read them, defaults applied (STAGE_DEFAULTS). */
export interface TaskSettings {
  name: string;
  inputTopic: string;
  commitIntervalMs: number;
  idleCommitMs: number;
  maxTransactionBytes: number;
  maxSlicesPerTransaction: number;
  heartbeatEveryMs: number;
  /** a slice holding a record to one of these topics is cut at the end of its batch */
  urgentTopics: ReadonlySet<string> | undefined;
}

/** What a task needs of its stage. */
export interface TaskHost {
  readonly settings: TaskSettings;
  readonly clock: Clock;
  readonly pacing: Pacing | undefined;
  stopping(): boolean;
  /** messages consumed of the partition and its lag from the committed offset (metrics) */
  consumed(partition: number, messages: number, lag: number): void;
  /** fetches the partition again (the pacing let a held partition go) */
  resume(partition: number): void;
  /** commits one transaction of the task on its producer */
  transact(task: PartitionTask, c: QueuedCommit): Promise<void>;
  committed(task: PartitionTask, c: QueuedCommit): void;
  commitFailed(task: PartitionTask, c: QueuedCommit, err: unknown): void;
}

/** A partition taken over: its producer (the previous owner fenced), its worker, its committed offset. */
export interface OpenedPartition {
  producer: TransactionalProducer;
  worker: PartitionWorker;
  /** the committed offset, '-1' or undefined when none */
  offset: string | undefined;
}

/** What has been processed of the partition but not cut yet. */
interface Slice {
  out: Outbox;
  /** the last message processed into it (its offset read at the cut: a lean record makes the string on each read) */
  last: ConsumedMessage;
  messages: number;
  openedAt: number;
}

/**
 * One input partition owned by this instance: offered the partition's batches, it processes
 * them into a slice, cuts the slice (at the end of an urgent batch, by size, by age, when the
 * partition goes idle, on stop) and hands it to its commit queue. Processing and cutting run
 * one at a time (`locked`); transactions run behind them.
 */
export class PartitionTask {
  readonly partition: number;
  /** settles once the task runs; rejects when opening failed */
  readonly ready: Promise<void>;
  /** the next input offset to process: messages below it were processed (or committed by an earlier owner) */
  next = 0n;
  /** the offset the last successful commit points at; where to rewind to after a failure */
  committed = 0n;
  /** batches handed over behind their handlers (stage-runtime.ts), oldest first */
  readonly behind: Array<Promise<void>> = [];
  readonly #host: TaskHost;
  readonly #queue: CommitQueue;
  readonly #alarm: Alarm;
  #state: TaskState = 'opening';
  #opened: OpenedPartition | undefined;
  #slice: Slice | undefined;
  #lock: Promise<void> = Promise.resolve();
  /** the last batch reached the partition's end (high watermark), and that end */
  #caughtUp = false;
  #end = 0n;
  /** the last batch brought the partition from behind to its end (cutDue) */
  #reachedEnd = false;

  constructor(partition: number, host: TaskHost, open: () => Promise<OpenedPartition>) {
    this.partition = partition;
    this.#host = host;
    this.#alarm = new Alarm(host.clock);
    this.#queue = new CommitQueue({
      maxBytes: host.settings.maxTransactionBytes,
      maxSlices: host.settings.maxSlicesPerTransaction,
      run: (c) => this.#commit(c),
      committed: (c) => this.#committed(c),
      failed: (c, err) => host.commitFailed(this, c, err),
    });
    this.ready = open().then(
      (opened) => {
        if (this.#state !== 'opening') return;
        const offset = BigInt(opened.offset ?? '-1');
        this.next = offset < 0n ? 0n : offset;
        this.committed = this.next;
        this.#opened = opened;
        this.#to('running');
      },
      (err: unknown) => {
        this.#to('failed');
        throw err;
      },
    );
  }

  get state(): TaskState {
    return this.#state;
  }

  /** the producer this task commits on; never re-created for a queued commit (that would fence a new owner) */
  get producer(): TransactionalProducer {
    if (!this.#opened) throw new Error(`partition ${this.partition} is not open`);
    return this.#opened.producer;
  }

  /** transactions queued or running, not committed yet */
  get queued(): number {
    return this.#queue.queued;
  }

  /** Resolves once every transaction queued so far ran. */
  drained(): Promise<void> {
    return this.#queue.drained();
  }

  /** running → failed; false when it had ended already */
  fail(): boolean {
    return this.#to('failed');
  }

  /** → revoked; false when it had ended already */
  revoke(): boolean {
    return this.#to('revoked');
  }

  #to(next: TaskState): boolean {
    if (!TRANSITIONS[this.#state].includes(next)) return false;
    this.#state = next;
    // an open slice is abandoned; queued commits fail (#commit)
    if (next === 'failed' || next === 'revoked') this.#alarm.clear();
    return true;
  }

  #live(): boolean {
    return this.#state === 'running';
  }

  /** Runs `fn` when nothing else of this partition is processing or cutting. */
  async locked<T>(fn: () => Promise<T>): Promise<T> {
    const before = this.#lock;
    let release!: () => void;
    this.#lock = new Promise((r) => {
      release = r;
    });
    await before;
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /**
   * Processes the batch's new messages into the open slice; false when interrupted (failed,
   * stopping, stale, not running). `resolved`: the handler resolved the batch already. Call
   * it under `locked`.
   */
  async process(b: OfferedBatch, resolved = false): Promise<boolean> {
    const { batch, heartbeat, isRunning, isStale, resolveOffset, pause } = b;
    const host = this.#host;
    const s = host.settings;
    const clock = host.clock;
    const pacing = host.pacing;
    const worker = this.#opened!.worker;
    const partition = this.partition;
    let lastBeat = clock.now();
    let lastProcessed: ConsumedMessage | undefined;
    // with pacing, a slice's commit is awaited: the aligner reasons about committed slices
    const wait = pacing !== undefined;
    let held = false;
    let interrupted = false;
    let consumed = 0;
    // offsets rise within a batch: once one message is new, the rest are
    let fresh = false;
    const messages = batch.messages;
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      // kafkajs' staleness check costs a map lookup: every 64 messages is soon enough
      if (!this.#live() || ((i & 63) === 0 && (host.stopping() || !isRunning() || isStale()))) {
        interrupted = true;
        break;
      }
      if (!fresh) {
        if (BigInt(m.offset) < this.next) continue;
        fresh = true;
      }
      if (pacing) {
        const admission = pacing.admit(partition, m);
        if (admission === 'hold') {
          held = true;
          break;
        }
        if (admission === 'cut') await this.cut(wait);
      }
      consumed++;
      if (!this.#slice)
        this.#slice = { out: new Outbox(s.urgentTopics), last: m, messages: 0, openedAt: clock.now() };
      const slice = this.#slice;
      let r: void | Promise<void>;
      try {
        r = worker.process(m, slice.out);
        if (r !== undefined) await r;
      } catch (err) {
        throw new BatchAbortedError(`${s.name} ${s.inputTopic}[${partition}] at offset ${m.offset}`, err);
      }
      slice.last = m;
      slice.messages++;
      lastProcessed = m;
      // a transaction's records for one partition travel as one record batch, which the
      // broker caps (message.max.bytes, 1 MiB by default): commit in bounded slices
      if (slice.out.bytes >= s.maxTransactionBytes) await this.cut(wait);
      // heartbeat at least every heartbeatEveryMs: checked every 256 messages and after any slow one
      if (((i & 255) === 255 || r !== undefined) && clock.now() - lastBeat >= s.heartbeatEveryMs) {
        await heartbeat();
        lastBeat = clock.now();
      }
    }
    if (lastProcessed !== undefined) this.next = BigInt(lastProcessed.offset) + 1n;
    if (!this.#live()) return false;
    // processed, not committed: the consumer fetches on from here, the commit follows behind
    if (this.next > 0n && !resolved) resolveOffset((this.next - 1n).toString());
    const open = this.#slice;
    const aged = open !== undefined && (open.out.urgent || clock.now() - open.openedAt >= s.commitIntervalMs);
    if (held || interrupted || host.stopping() || aged || wait) await this.cut(wait || held);
    const end = BigInt(batch.highWatermark);
    const wasCaughtUp = this.#caughtUp;
    this.#caughtUp = this.next >= end;
    this.#reachedEnd = this.#caughtUp && !wasCaughtUp;
    this.#end = end;
    // from the committed offset, not the processed one: a partition whose commits fail is behind
    host.consumed(partition, consumed, Number(end - this.committed));
    if (held) {
      // ahead of a slower partition in event time: fetch nothing more until it catches up;
      // the fetch position is the resolved offset, so the held message comes again
      pause();
      void pacing?.whenAdmissible(partition).then(() => {
        // also when the partition went elsewhere: kafkajs keeps a pause across rebalances
        if (!host.stopping()) host.resume(partition);
      });
    } else if (!interrupted) {
      pacing?.batchEnded(partition, this.next >= end);
    }
    return !interrupted;
  }

  /**
   * Closes the open slice: takes the state record now (nothing else of the partition runs:
   * the caller holds the lock) and hands the slice to the commit queue. `wait`: until it
   * committed (pacing, shutdown); otherwise processing goes on meanwhile.
   */
  async cut(wait: boolean): Promise<void> {
    const slice = this.#slice;
    this.#slice = undefined;
    this.#alarm.clear();
    if (slice && this.#live()) {
      // the commit keeps the outbox and the offset, not the message (nor its fetch's bytes)
      const { out, messages } = slice;
      const last = slice.last.offset;
      const next = (BigInt(last) + 1n).toString();
      const worker = this.#opened!.worker;
      const state = await worker.checkpoint(next);
      const settled = worker.settled?.();
      settled?.catch(() => {}); // awaited before the commit; a partition given up leaves it unobserved
      this.#queue.add({ out, last, next, state, settled, messages });
    }
    if (wait) await this.#queue.drained();
  }

  /** Arms the cut of the open slice by time (cutDue); each batch calls it again. */
  scheduleCut(): void {
    const slice = this.#slice;
    if (!slice || !this.#live()) return;
    const host = this.#host;
    const s = host.settings;
    const due = cutDue(
      slice.openedAt,
      this.#caughtUp,
      host.clock.now(),
      s.commitIntervalMs,
      s.idleCommitMs,
      this.#reachedEnd,
    );
    this.#alarm.arm(due, () => {
      if (host.stopping() || !this.#live()) return;
      void this.locked(() => this.cut(false)).catch(() => {});
    });
  }

  /** The stage stops: the open slice is cut and every queued transaction awaited. */
  async finish(): Promise<void> {
    this.#alarm.clear();
    await this.locked(() => this.cut(true));
  }

  async #commit(c: QueuedCommit): Promise<void> {
    if (!this.#live()) throw new Error('the partition was given up before this slice committed');
    if (c.settled.length > 0) await Promise.all(c.settled);
    await this.#host.transact(this, c);
  }

  #committed(c: QueuedCommit): void {
    this.committed = BigInt(c.next);
    const end = this.#end;
    if (end > 0n)
      this.#host.consumed(this.partition, 0, Number(end > this.committed ? end - this.committed : 0n));
    this.#host.committed(this, c);
  }
}
