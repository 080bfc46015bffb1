import type {
  Admin,
  Consumer,
  ConsumerRunConfig,
  EachBatchPayload,
  Kafka,
  KafkaMessage,
  Message,
  Producer,
  TopicMessages,
} from 'kafkajs';
import type { Logger } from 'pino';
import { superviseCrashes } from './consumer-supervision.js';
import { BatchAbortedError, type ConsumerCrashedError } from './errors.js';
import type { Pacing } from './event-time-alignment.js';
import { CompressionTypes } from './kafkajs.js';
import { describeStall, ProgressWatch, type Stall } from './progress-watch.js';
import { packRequests } from './record-size.js';
import { decodePointer, encodePointer, type StatePointer } from './state-record.js';
import { TransactionalProducers } from './txn-producers.js';
import { retryConcurrentTransactions } from './txn-retry.js';

/** Where a worker puts what one input message produces; all of it commits with the offset. */
export interface Output {
  send(topic: string, message: Message): void;
}

const DEFAULT_COMMIT_INTERVAL_MS = 1_000;
const DEFAULT_IDLE_COMMIT_MS = 100;
const DEFAULT_MAX_TRANSACTION_BYTES = 512 * 1024;
/** a transaction's records are gzipped from this many bytes (keys and values, approximately) */
const COMPRESS_FROM_BYTES = 16 * 1024;
/** slices one waiting transaction takes at most (see `Commit`) */
const MAX_SLICES_PER_TRANSACTION = 16;

/** One input partition's processing, owned by this instance until the next rebalance. */
export interface PartitionWorker {
  process(message: KafkaMessage, out: Output): void | Promise<void>;
  /** the state record reflecting everything processed so far, or undefined when stateless */
  checkpoint(nextOffset: string): Promise<{ topic: string; message: Message } | undefined>;
  /**
   * Effects of what was processed so far that leave outside the transaction (the rules
   * stage's intents): asked for when a slice is cut, awaited before it commits; a rejection
   * fails the slice like a failed transaction.
   */
  settled?(): Promise<void>;
}

export interface CommittedPosition {
  partition: number;
  /** the committed offset (-1 when none) */
  offset: string;
  state: StatePointer | undefined;
}

export interface StageProcessor {
  /** builds workers for newly assigned partitions, restoring state from their committed positions */
  open(positions: readonly CommittedPosition[]): Promise<Map<number, PartitionWorker>>;
}

export interface StageOptions {
  name: string;
  kafka: Kafka;
  admin: Admin;
  groupId: string;
  inputTopic: string;
  transactionalIdPrefix: string;
  transactionTimeoutMs: number;
  sessionTimeoutMs: number;
  processor: StageProcessor;
  logger: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
  /** kafkajs gave up on the consumer: the process must exit */
  onFatal: (err: ConsumerCrashedError) => void;
  /** input partitions processed at once (each has its own transaction) */
  concurrency: number;
  /** heartbeat at least this often inside a batch, milliseconds */
  heartbeatEveryMs?: number;
  /** kafkajs fetch tuning */
  maxWaitTimeInMs?: number;
  maxBytesPerPartition?: number;
  /** commit a slice once its records reach this many bytes (default 512 KiB) */
  maxTransactionBytes?: number;
  /**
   * commit a slice once it is this old, milliseconds (default 1,000). A slice spans fetched
   * batches until then, so at high rates a transaction carries many batches; its commit runs
   * while the next slice is processed. This bounds how long an effect waits to be visible.
   */
  commitIntervalMs?: number;
  /**
   * commit a slice once its partition reached its end (the high watermark) and no batch came
   * for this long, milliseconds (default 100): the end of a backlog, or a quiet spell, is
   * committed promptly, while a steady stream still commits every `commitIntervalMs`
   */
  idleCommitMs?: number;
  /**
   * records to these topics are effects someone waits for (the rules stage's adjustments):
   * a slice holding one is committed at the end of the batch that produced it, not after
   * `commitIntervalMs`. Slices without them (state, dead letters) can wait.
   */
  urgentTopics?: ReadonlySet<string>;
  /** waits while downstream is behind (backpressure), heartbeating; called before each batch */
  gate?: (heartbeat: () => Promise<void>, isRunning: () => boolean) => Promise<void>;
  /** event-time alignment of the input partitions (the repartition stage) */
  pacing?: Pacing;
  /** told how long each committed transaction took, seconds (metrics) */
  onTransaction?: (seconds: number) => void;
  /** told of every message consumed and every batch's lag (metrics) */
  onConsumed?: (partition: number, messages: number, lag: number) => void;
  /**
   * output topics whose records are packed into requests so that each record batch stays
   * within the topic's `max.message.bytes` (the dead-letter topic, whose records can be as
   * large as that): topic → max.message.bytes
   */
  recordLimits?: ReadonlyMap<string, number>;
}

/** What has been processed of a partition but not committed yet. */
interface Slice {
  out: Outbox;
  /**
   * the last message processed into it (its offset read when the slice is cut: a lean
   * record makes the string on each read, fast-records.ts)
   */
  last: KafkaMessage;
  messages: number;
  openedAt: number;
}

/**
 * A transaction queued behind the partition's running one. Slices cut while it waits are
 * folded into it (their records appended, the later state record and offset replacing the
 * earlier: state records are whole snapshots), so a burst of slices — the planning stage cuts
 * one per batch that made an adjustment — commits in one more transaction instead of one
 * each, one after the other. Bounded by the transaction byte cap and MAX_SLICES_PER_TRANSACTION.
 */
interface Commit {
  out: Outbox;
  /** the last input offset it covers, and the one after it (committed) */
  last: string;
  next: string;
  state: { topic: string; message: Message } | undefined;
  /** the workers' "sent downstream" promises of its slices (the rules stage's intents) */
  settled: Promise<void>[];
  messages: number;
  slices: number;
}

interface Owned {
  partition: number;
  /** this owner's transactional producer; never re-created for a queued commit (that would fence a new owner) */
  producer: Producer;
  worker: PartitionWorker;
  /** the next input offset to process: messages below it were processed (or committed by an earlier owner) */
  next: bigint;
  /** the offset the last successful commit points at; where to rewind to after a failed one */
  committed: bigint;
  slice: Slice | undefined;
  /** commits run one after the other, behind the processing; a failure breaks the chain */
  chain: Promise<void>;
  /** transactions queued or running, not yet committed */
  queued: number;
  /**
   * the transaction waiting behind the running one, which takes further slices (see `Commit`);
   * cleared when it starts, so it is never one that runs
   */
  waiting: Commit | undefined;
  /** serializes processing and cutting (a timer cuts an idle slice) */
  lock: Promise<void>;
  timer: NodeJS.Timeout | undefined;
  /** when the timer fires */
  timerDue: number;
  /** the last batch processed reached the partition's end (high watermark) */
  caughtUp: boolean;
  /** the partition's end (high watermark) as the last batch saw it */
  end: bigint;
  failed: boolean;
  /** overlapped mode: the batch being processed or queued last (see #overlapped) */
  processing: Promise<void> | undefined;
}

/**
 * Consume → transform → produce, exactly once: for each input batch, everything the
 * worker emitted, its state record and the input offset (with a pointer to that state
 * record in the offset metadata) commit in ONE Kafka transaction per input partition.
 * A failure aborts the transaction and drops the partition's in-memory state; it is
 * restored from the committed state when the batch is redelivered.
 */
export class TransactionalStage {
  readonly #o: StageOptions;
  readonly #consumer: Consumer;
  readonly #producers: TransactionalProducers;
  readonly #owned = new Map<number, Promise<Owned>>();
  /** the same partitions, once opened */
  readonly #resolved = new Map<number, Owned>();
  #assigned = new Set<number>();
  /** a batch that failed after its handler returned (overlapped mode), told to kafkajs at the partition's next batch */
  readonly #failures = new Map<number, BatchAbortedError>();
  /** which partitions keep failing at one offset (readiness, and the log once a minute) */
  readonly #progress: ProgressWatch;
  #stopping = false;
  #runSince: number | undefined;
  #running = false;
  /** committed: transactions, input messages, output records; aborted transactions */
  readonly stats = { batches: 0, messages: 0, emitted: 0, aborted: 0 };
  /** records committed per output topic */
  readonly committed = new Map<string, number>();

  constructor(o: StageOptions) {
    this.#o = o;
    this.#producers = new TransactionalProducers(o.kafka, o.transactionalIdPrefix, o.transactionTimeoutMs);
    this.#progress = new ProgressWatch({ stage: o.name, topic: o.inputTopic, now: Date.now });
    this.#consumer = o.kafka.consumer({
      groupId: o.groupId,
      readUncommitted: false,
      sessionTimeout: o.sessionTimeoutMs,
      heartbeatInterval: Math.min(3_000, Math.floor(o.sessionTimeoutMs / 10)),
      maxWaitTimeInMs: o.maxWaitTimeInMs ?? 500,
      maxBytesPerPartition: o.maxBytesPerPartition ?? 1_048_576,
      retry: { retries: 12, initialRetryTime: 200, maxRetryTime: 3_000 },
    });
    const c = this.#consumer;
    superviseCrashes(c, {
      stage: o.name,
      logger: o.logger,
      onFatal: o.onFatal,
      stopping: () => this.#stopping,
      runConfig: () => this.#runConfig(),
    });
    c.on(c.events.GROUP_JOIN, (e) => {
      const mine = new Set<number>(e.payload.memberAssignment[o.inputTopic] ?? []);
      for (const p of [...this.#owned.keys()]) if (!mine.has(p)) void this.#drop(p);
      for (const p of [...this.#failures.keys()]) if (!mine.has(p)) this.#failures.delete(p);
      this.#assigned = mine;
      this.#progress.keep(mine);
      o.pacing?.assigned(mine);
      o.logger.info({ stage: o.name, partitions: [...mine].sort((a, b) => a - b) }, 'partitions assigned');
      // take the new partitions over now (producer, committed offset, state), not when their
      // first batch comes: the planning stage's input is quiet until a rule acts, and the
      // first adjustment of each partition would otherwise wait for all of it. A failure
      // here is tried again by the partition's first batch.
      if (!this.#stopping) for (const p of mine) void this.#own(p).catch(() => {});
    });
  }

  get consumer(): Consumer {
    return this.#consumer;
  }

  get assigned(): ReadonlySet<number> {
    return this.#assigned;
  }

  /** running and not stopping (readiness) */
  get consuming(): boolean {
    return this.#running && !this.#stopping;
  }

  /** partitions that keep failing at one committed offset (readiness; progress-watch.ts) */
  get stalled(): Stall[] {
    return this.#progress.stalled();
  }

  /** when `start` handed the consumer to kafkajs' `run` (epoch ms; bench:pipeline times from it) */
  get runSince(): number | undefined {
    return this.#runSince;
  }

  async start(): Promise<void> {
    await this.#consumer.connect();
    await this.#consumer.subscribe({ topic: this.#o.inputTopic, fromBeginning: true });
    this.#runSince = Date.now();
    await this.#consumer.run(this.#runConfig());
    this.#running = true;
  }

  #runConfig(): ConsumerRunConfig {
    return {
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.#o.concurrency,
      eachBatch: (payload) => this.#batch(payload),
    };
  }

  /**
   * Stops fetching; a batch in progress finishes what it has processed; every open slice
   * commits; then disconnects.
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#o.pacing?.close();
    await this.#consumer.stop().catch(() => {});
    await Promise.all(
      [...this.#owned.values()].map(async (p) => {
        const owned = await p.catch(() => undefined);
        if (!owned) return;
        clearTimeout(owned.timer);
        await this.#locked(owned, () => this.#cut(owned, true)).catch(() => {});
      }),
    );
    await this.#consumer.disconnect().catch(() => {});
    await this.#producers.releaseAll();
    this.#running = false;
  }

  async #drop(partition: number): Promise<void> {
    const opened = this.#resolved.get(partition);
    if (opened) {
      // an open slice is abandoned and queued commits fail (their producer is released):
      // the next owner reprocesses from the committed offset
      opened.failed = true;
      clearTimeout(opened.timer);
    }
    this.#owned.delete(partition);
    this.#resolved.delete(partition);
    await this.#producers.release(partition);
  }

  /**
   * Takes a partition over: first the producer (fencing the previous owner, whose open
   * transaction is aborted), then the committed offset and state pointer — in that
   * order, so a zombie cannot commit between our read and our fence.
   */
  #own(partition: number): Promise<Owned> {
    let owned = this.#owned.get(partition);
    if (!owned) {
      owned = (async () => {
        const producer = await this.#producers.get(partition);
        const positions = await committedPositions(this.#o.admin, this.#o.groupId, this.#o.inputTopic, [
          partition,
        ]);
        const workers = await this.#o.processor.open(positions);
        const worker = workers.get(partition);
        if (!worker)
          throw new Error(`${this.#o.name}: processor opened no worker for partition ${partition}`);
        const offset = BigInt(positions[0]?.offset ?? '-1');
        const next = offset < 0n ? 0n : offset;
        const opened: Owned = {
          partition,
          producer,
          worker,
          next,
          committed: next,
          slice: undefined,
          chain: Promise.resolve(),
          queued: 0,
          waiting: undefined,
          lock: Promise.resolve(),
          timer: undefined,
          timerDue: 0,
          caughtUp: false,
          end: 0n,
          failed: false,
          processing: undefined,
        };
        this.#resolved.set(partition, opened);
        return opened;
      })();
      owned.catch(() => this.#owned.delete(partition));
      this.#owned.set(partition, owned);
    }
    return owned;
  }

  /** Runs `fn` when nothing else of this partition is processing or cutting. */
  async #locked<T>(owned: Owned, fn: () => Promise<T>): Promise<T> {
    const before = owned.lock;
    let release!: () => void;
    owned.lock = new Promise((r) => {
      release = r;
    });
    await before;
    try {
      return await fn();
    } finally {
      release();
    }
  }

  async #batch(payload: EachBatchPayload): Promise<void> {
    const { batch, heartbeat, isRunning, isStale } = payload;
    const o = this.#o;
    if (this.#stopping || !isRunning() || isStale() || batch.messages.length === 0) return;
    const failure = this.#failures.get(batch.partition);
    if (failure) {
      // kafkajs retries this batch (from the committed offset, after the rewind) with its backoff
      this.#failures.delete(batch.partition);
      throw failure;
    }
    if (o.gate) await o.gate(heartbeat, () => isRunning() && !this.#stopping);
    // taking a partition over restores its state, which can outlast the session timeout (the
    // restore reads through a consumer group of its own): heartbeat meanwhile
    const opening = this.#own(batch.partition);
    await this.#heartbeatUntil(
      opening.then(
        () => {},
        () => {},
      ),
      heartbeat,
    );
    const owned = await opening;
    if (owned.failed) return;
    if (!o.pacing) return this.#overlapped(owned, payload);
    // a commit that failed and is not yet known here is known at the next batch, which
    // then comes from the committed offset (see #commitFailed)
    try {
      await this.#locked(owned, () => this.#process(owned, payload));
    } catch (err) {
      const { error, dropped } = this.#batchFailed(owned, err);
      await dropped;
      throw error;
    }
    this.#armTimer(owned);
    // too many slices waiting for their commits: let them catch up (bounded memory)
    if (owned.queued > 2) await owned.chain.catch(() => {});
    await heartbeat().catch(() => {});
  }

  /**
   * Without pacing, a batch is processed behind its handler: the handler resolves the
   * batch's offsets and returns, so kafkajs fetches the next batches while this one is
   * processed (kafkajs fetches only once every handler of the last fetch returned). At most
   * one more batch per partition waits behind the one processing; then the handler waits
   * for the older one, which bounds memory and lets backpressure through. A failure
   * rewinds to the committed offset and forgets the partition, as in the synchronous path,
   * and is thrown to kafkajs at the partition's next batch, so its retry, backoff and
   * crash handling apply as before.
   */
  async #overlapped(owned: Owned, payload: EachBatchPayload): Promise<void> {
    const { batch, heartbeat, resolveOffset } = payload;
    const o = this.#o;
    const before = owned.processing;
    const job = this.#locked(owned, async () => {
      if (owned.failed) return;
      const complete = await this.#process(owned, payload, true);
      if (owned.failed) return;
      if (!complete && !this.#stopping) {
        // stale (a seek, a revocation) or the consumer restarting: kafkajs fetches from the
        // resolved offsets, already past what was processed; go back to the committed offset
        this.#rewind(owned);
        await this.#drop(owned.partition);
        return;
      }
      this.#armTimer(owned);
      if (owned.queued > 2) await owned.chain.catch(() => {});
    }).catch((err: unknown) => {
      if (owned.failed) return;
      const { error, first } = this.#batchFailed(owned, err);
      o.logger[first ? 'warn' : 'debug'](
        { stage: o.name, partition: owned.partition, err: error },
        'batch failed; rewinding to the committed offset',
      );
      this.#failures.set(owned.partition, error);
    });
    owned.processing = job;
    // the whole batch is taken: kafkajs fetches on from its end
    resolveOffset(batch.messages[batch.messages.length - 1]!.offset);
    if (before) await this.#heartbeatUntil(before, heartbeat);
    await heartbeat().catch(() => {});
  }

  /**
   * Waits for the batch before, heartbeating meanwhile. It may take long: a planning batch
   * waits on a slow WFM for up to `planner.readBudgetMs` (schedule-read.ts), and kafkajs
   * heartbeats only between handlers; a member silent for `sessionTimeoutMs` is dropped from
   * the group, and its partitions rewound as after a failed batch.
   */
  async #heartbeatUntil(done: Promise<void>, heartbeat: () => Promise<void>): Promise<void> {
    const everyMs = this.#o.heartbeatEveryMs ?? 1_000;
    let finished = false;
    const settled = done.then(() => {
      finished = true;
    });
    while (!finished) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([settled, new Promise<void>((r) => (timer = setTimeout(r, everyMs)))]);
      clearTimeout(timer);
      if (!finished) await heartbeat().catch(() => {});
    }
  }

  /**
   * A batch failed: the worker's state already holds messages of the open slice (a planner
   * read failed after the engine fired, say), so the partition is forgotten like after a
   * failed commit, and rewound: kafkajs retries a failed batch handler under the same group
   * membership, fetching from the offsets resolved so far — which run ahead of the committed
   * ones — so without the seek the slice's messages would never come again (lost input,
   * different decisions). Returns the error to tell kafkajs, and the forgetting.
   */
  #batchFailed(
    owned: Owned,
    err: unknown,
  ): { error: BatchAbortedError; dropped: Promise<void>; first: boolean } {
    const o = this.#o;
    const error =
      err instanceof BatchAbortedError
        ? err
        : new BatchAbortedError(`${o.name} ${o.inputTopic}[${owned.partition}]`, err);
    let dropped = Promise.resolve();
    let first = false;
    if (!owned.failed) {
      this.stats.aborted++;
      first = this.#failedAt(owned, error);
      this.#rewind(owned);
      dropped = this.#drop(owned.partition);
    }
    return { error, dropped, first };
  }

  /**
   * Counts a failure at the partition's committed offset; a stalled partition is logged here,
   * at error, once a minute, and a repeated failure waits before the next attempt
   * (progress-watch.ts). True when it is the first failure at that offset: the caller logs
   * that one at its level, and repeats at debug.
   */
  #failedAt(owned: Owned, error: BatchAbortedError): boolean {
    const o = this.#o;
    const seen = this.#progress.failed(owned.partition, owned.committed, error);
    if (seen.report)
      o.logger.error(
        { stage: o.name, partition: owned.partition, stalled: seen.report },
        describeStall(seen.report),
      );
    if (seen.backoffMs > 0) this.#pauseFor(owned.partition, seen.backoffMs);
    return seen.first;
  }

  /**
   * Fetches nothing of the partition for `ms`. A resume by the pacing meanwhile (a held
   * partition let go) only ends the wait early; a partition that went to another member is
   * resumed all the same, as kafkajs keeps a pause across rebalances.
   */
  #pauseFor(partition: number, ms: number): void {
    if (this.#stopping || !this.#assigned.has(partition)) return;
    const tp = [{ topic: this.#o.inputTopic, partitions: [partition] }];
    this.#consumer.pause(tp);
    setTimeout(() => {
      if (!this.#stopping) this.#consumer.resume(tp);
    }, ms).unref();
  }

  /**
   * A slice left open is cut when it is `commitIntervalMs` old, also when no batch comes any
   * more; sooner once its partition is caught up and no batch came for `idleCommitMs` (each
   * batch pushes that back, so a steady stream still commits at the interval).
   */
  #armTimer(owned: Owned): void {
    if (!owned.slice || owned.failed) return;
    const o = this.#o;
    const deadline = owned.slice.openedAt + (o.commitIntervalMs ?? DEFAULT_COMMIT_INTERVAL_MS);
    const due = owned.caughtUp
      ? Math.min(deadline, Date.now() + (o.idleCommitMs ?? DEFAULT_IDLE_COMMIT_MS))
      : deadline;
    if (owned.timer !== undefined) {
      if (owned.timerDue === due) return;
      clearTimeout(owned.timer);
    }
    owned.timerDue = due;
    owned.timer = setTimeout(
      () => {
        owned.timer = undefined;
        if (this.#stopping || owned.failed) return;
        void this.#locked(owned, () => this.#cut(owned, false)).catch(() => {});
      },
      Math.max(0, due - Date.now()),
    );
  }

  /**
   * Processes the batch's new messages into the open slice; false when interrupted
   * (stopping, stale, not running). `resolved`: the handler resolved the batch already.
   */
  async #process(
    owned: Owned,
    { batch, heartbeat, isRunning, isStale, resolveOffset, pause }: EachBatchPayload,
    resolved = false,
  ): Promise<boolean> {
    const o = this.#o;
    const partition = batch.partition;
    let lastBeat = Date.now();
    let lastProcessed: KafkaMessage | undefined;
    const beatEvery = o.heartbeatEveryMs ?? 1_000;
    const maxBytes = o.maxTransactionBytes ?? DEFAULT_MAX_TRANSACTION_BYTES;
    const interval = o.commitIntervalMs ?? DEFAULT_COMMIT_INTERVAL_MS;
    // with pacing, a slice's commit is awaited: the aligner reasons about committed slices
    const wait = o.pacing !== undefined;
    let held = false;
    let interrupted = false;
    let consumed = 0;
    // offsets rise within a batch: once one message is new, the rest are
    let fresh = false;
    const messages = batch.messages;
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      // kafkajs' staleness check costs a map lookup: every 64 messages is soon enough
      if (owned.failed || ((i & 63) === 0 && (this.#stopping || !isRunning() || isStale()))) {
        interrupted = true;
        break;
      }
      if (!fresh) {
        if (BigInt(m.offset) < owned.next) continue;
        fresh = true;
      }
      if (o.pacing) {
        const admission = o.pacing.admit(partition, m);
        if (admission === 'hold') {
          held = true;
          break;
        }
        if (admission === 'cut') await this.#cut(owned, wait);
      }
      consumed++;
      if (!owned.slice)
        owned.slice = { out: new Outbox(o.urgentTopics), last: m, messages: 0, openedAt: Date.now() };
      const slice = owned.slice;
      let r: void | Promise<void>;
      try {
        r = owned.worker.process(m, slice.out);
        if (r !== undefined) await r;
      } catch (err) {
        // names the message; #batch rewinds and drops the partition
        throw new BatchAbortedError(`${o.name} ${o.inputTopic}[${partition}] at offset ${m.offset}`, err);
      }
      slice.last = m;
      slice.messages++;
      lastProcessed = m;
      // a transaction's records for one partition travel as one record batch, which the
      // broker caps (message.max.bytes, 1 MiB by default): commit in bounded slices
      if (slice.out.bytes >= maxBytes) await this.#cut(owned, wait);
      // heartbeat at least every beatEvery: checked every 256 messages and after any slow one
      if (((i & 255) === 255 || r !== undefined) && Date.now() - lastBeat >= beatEvery) {
        await heartbeat();
        lastBeat = Date.now();
      }
    }
    if (lastProcessed !== undefined) owned.next = BigInt(lastProcessed.offset) + 1n;
    if (owned.failed) return false;
    // processed, not committed: kafkajs fetches on from here, the commit follows behind
    if (owned.next > 0n && !resolved) resolveOffset((owned.next - 1n).toString());
    const aged =
      owned.slice !== undefined && (owned.slice.out.urgent || Date.now() - owned.slice.openedAt >= interval);
    if (held || interrupted || this.#stopping || aged || wait) await this.#cut(owned, wait || held);
    const end = BigInt(batch.highWatermark);
    owned.caughtUp = owned.next >= end;
    owned.end = end;
    // from the committed offset, not the processed one: a partition whose commits fail is behind
    o.onConsumed?.(partition, consumed, Number(end - owned.committed));
    if (held) {
      // ahead of a slower partition in event time: fetch nothing more until it catches up;
      // the fetch position is the resolved offset, so the held message comes again
      pause();
      void o.pacing?.whenAdmissible(partition).then(() => {
        // also when the partition went elsewhere: kafkajs keeps a pause across rebalances
        if (!this.#stopping) this.#consumer.resume([{ topic: o.inputTopic, partitions: [partition] }]);
      });
    } else if (!interrupted) {
      o.pacing?.batchEnded(partition, owned.next >= end);
    }
    return !interrupted;
  }

  /**
   * Closes the open slice: takes the state record now (nothing else of the partition runs:
   * the caller holds its lock), and queues the transaction behind the ones before it.
   * `wait`: until it committed (pacing, shutdown); otherwise processing goes on meanwhile.
   */
  async #cut(owned: Owned, wait: boolean): Promise<void> {
    const slice = owned.slice;
    owned.slice = undefined;
    clearTimeout(owned.timer);
    owned.timer = undefined;
    if (slice && !owned.failed) {
      // the commit keeps the outbox and the offset, not the message (nor its fetch's bytes)
      const { out, messages } = slice;
      const last = slice.last.offset;
      const next = (BigInt(last) + 1n).toString();
      const state = await owned.worker.checkpoint(next);
      const settled = owned.worker.settled?.();
      settled?.catch(() => {}); // awaited in the chain; a partition given up leaves it unobserved
      const waiting = owned.waiting;
      const cap = this.#o.maxTransactionBytes ?? DEFAULT_MAX_TRANSACTION_BYTES;
      if (waiting && waiting.slices < MAX_SLICES_PER_TRANSACTION && waiting.out.bytes + out.bytes <= cap) {
        waiting.out.append(out);
        waiting.last = last;
        waiting.next = next;
        waiting.state = state;
        if (settled) waiting.settled.push(settled);
        waiting.messages += messages;
        waiting.slices++;
      } else {
        this.#queue(owned, {
          out,
          last,
          next,
          state,
          settled: settled ? [settled] : [],
          messages,
          slices: 1,
        });
      }
    }
    if (wait) await owned.chain.catch(() => {});
  }

  /** Queues a transaction behind the partition's running one; it takes slices cut until it starts. */
  #queue(owned: Owned, c: Commit): void {
    owned.waiting = c;
    owned.queued++;
    owned.chain = owned.chain.then(async () => {
      // it runs now: later slices go to a new transaction (a newer one already waiting, when c
      // was full, stays)
      if (owned.waiting === c) owned.waiting = undefined;
      try {
        if (owned.failed) throw new Error('the partition was given up before this slice committed');
        if (c.settled.length > 0) await Promise.all(c.settled);
        await this.#commit(owned, c.out, c.next, c.state);
      } catch (err) {
        this.stats.aborted++;
        this.#commitFailed(owned, c.last, err);
        throw err;
      } finally {
        owned.queued--;
      }
      owned.committed = BigInt(c.next);
      this.#progress.committed(owned.partition, owned.committed);
      if (owned.end > 0n)
        this.#o.onConsumed?.(
          owned.partition,
          0,
          Number(owned.end > owned.committed ? owned.end - owned.committed : 0n),
        );
      this.stats.batches++;
      this.stats.messages += c.messages;
      this.stats.emitted += c.out.count;
      for (const [topic, n] of c.out.counts())
        this.committed.set(topic, (this.committed.get(topic) ?? 0) + n);
      for (let i = 0; i < c.slices; i++) this.#o.pacing?.sliceCommitted(owned.partition);
    });
    // a failure is handled in the chain itself (#commitFailed); a partition given up has no
    // one left to await its chain, and an unobserved rejection would end the process
    owned.chain.catch(() => {});
  }

  /**
   * A transaction failed (fenced by a new owner, broker trouble): everything after the
   * last commit is forgotten — the partition's state and producer are dropped and the
   * fetch position rewound to the committed offset, where a fresh owner restores the
   * committed state and processes again (the aborted records never became visible).
   */
  #commitFailed(owned: Owned, last: string, err: unknown): void {
    const o = this.#o;
    if (owned.failed) return;
    owned.failed = true;
    clearTimeout(owned.timer);
    const aborted = new BatchAbortedError(
      `${o.name} ${o.inputTopic}[${owned.partition}] up to offset ${last}`,
      err,
    );
    // at error: kafkajs logs the retriable answers it met on the way at debug (kafkajs-log-level.ts),
    // so this line is what tells that a transaction was given up; its repeats at the same
    // offset at debug, and a stall once a minute at error (#failedAt)
    const first = this.#failedAt(owned, aborted);
    o.logger[first ? 'error' : 'debug'](
      { stage: o.name, partition: owned.partition, err: aborted },
      'transaction aborted; rewinding to the committed offset',
    );
    if (this.#resolved.get(owned.partition) !== owned) return;
    // seek first: until kafkajs refetches from there, batches it already holds for the
    // partition are stale and skipped; only then forget the partition, so the next batch
    // opens it afresh from the committed offset and state
    this.#rewind(owned);
    void this.#drop(owned.partition);
  }

  /**
   * Points the partition's fetch position back at the last offset this owner committed (or
   * the committed offset it started from). Earlier than the broker's committed offset is
   * harmless — the next owner skips what was committed — later would lose input.
   */
  #rewind(owned: Owned): void {
    const o = this.#o;
    if (this.#stopping || !this.#assigned.has(owned.partition)) return;
    try {
      this.#consumer.seek({
        topic: o.inputTopic,
        partition: owned.partition,
        offset: owned.committed.toString(),
      });
    } catch (err) {
      o.logger.error({ stage: o.name, partition: owned.partition, err }, 'rewind failed');
    }
  }

  async #commit(
    owned: Owned,
    out: Outbox,
    next: string,
    state: { topic: string; message: Message } | undefined,
  ): Promise<void> {
    const partition = owned.partition;
    const started = performance.now();
    const txn = await owned.producer.transaction();
    try {
      // the state record and the outputs in one request (each round trip to the broker is
      // on every effect's path); the state record is the only record of its topic-partition
      // in it, so its offset is that partition's base offset. gzip from COMPRESS_FROM_BYTES:
      // JSON state compresses well, and a record must stay under message.max.bytes; a small
      // transaction (the planning stage's usual one) is sent as it is, since kafkajs gzips on
      // libuv's thread pool, where it would queue behind the rules stage's large state records
      // records of a topic with a limit (dead letters) beyond one batch's worth go in further
      // requests of the same transaction, each its own batch (Outbox.requests)
      const [topicMessages = [], ...further] = out.requests(this.#o.recordLimits);
      if (state) topicMessages.push({ topic: state.topic, messages: [state.message] });
      let metadata: string | null = null;
      const bytes = out.bytes + (state ? sizeOf(state.message.value) : 0);
      const compression = bytes >= COMPRESS_FROM_BYTES ? CompressionTypes.GZIP : CompressionTypes.None;
      if (topicMessages.length > 0) {
        const sent = await txn.sendBatch({ topicMessages, compression });
        if (state) {
          const meta = sent.find(
            (m) => m.topicName === state.topic && m.partition === state.message.partition,
          );
          if (meta?.baseOffset === undefined)
            throw new Error('the broker returned no offset for the state record');
          metadata = encodePointer({ partition: meta.partition, offset: meta.baseOffset });
        }
      }
      for (const request of further) await txn.sendBatch({ topicMessages: request, compression });
      // records first, offsets last: sendOffsets as a transaction's first call can hit
      // CONCURRENT_TRANSACTIONS, which kafkajs does not retry (docs/kafka-broker.md)
      await retryConcurrentTransactions(() =>
        txn.sendOffsets({
          consumerGroupId: this.#o.groupId,
          topics: [
            { topic: this.#o.inputTopic, partitions: [{ partition, offset: next, metadata } as never] },
          ],
        }),
      );
      await txn.commit();
    } catch (err) {
      await txn.abort().catch(() => {});
      throw err;
    }
    this.#o.onTransaction?.((performance.now() - started) / 1000);
  }
}

class Outbox implements Output {
  readonly #byTopic = new Map<string, Message[]>();
  count = 0;
  /** approximate: values and keys */
  bytes = 0;
  /** holds a record to an urgent topic */
  urgent = false;
  constructor(private readonly urgentTopics: ReadonlySet<string> | undefined) {}
  send(topic: string, message: Message): void {
    this.bytes += sizeOf(message.value) + sizeOf(message.key) + 64;
    if (this.urgentTopics?.has(topic)) this.urgent = true;
    let list = this.#byTopic.get(topic);
    if (!list) {
      list = [];
      this.#byTopic.set(topic, list);
    }
    list.push(message);
    this.count++;
  }
  /** takes `later`'s records after this one's, topic by topic */
  append(later: Outbox): void {
    for (const [topic, messages] of later.#byTopic) {
      const list = this.#byTopic.get(topic);
      if (list) for (const m of messages) list.push(m);
      else this.#byTopic.set(topic, messages);
    }
    this.count += later.count;
    this.bytes += later.bytes;
    this.urgent ||= later.urgent;
  }
  counts(): Array<[string, number]> {
    return [...this.#byTopic].map(([topic, list]) => [topic, list.length]);
  }
  /** the records as produce requests, each record batch of a topic in `limits` within its limit (record-size.ts) */
  requests(limits: ReadonlyMap<string, number> | undefined): TopicMessages[][] {
    return packRequests(this.#byTopic, limits);
  }
}

function sizeOf(v: Buffer | string | null | undefined): number {
  return v == null ? 0 : typeof v === 'string' ? v.length : v.byteLength;
}

/** Committed offsets with their state pointers; retried while the coordinator loads (docs/kafka-broker.md). */
export async function committedPositions(
  admin: Admin,
  groupId: string,
  topic: string,
  partitions: readonly number[],
): Promise<CommittedPosition[]> {
  for (let attempt = 0; ; attempt++) {
    try {
      const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const want = new Set(partitions);
      return (t?.partitions ?? [])
        .filter((p) => want.has(p.partition))
        .map((p) => ({ partition: p.partition, offset: p.offset, state: decodePointer(p.metadata) }));
    } catch (err) {
      if (!(err as { retriable?: boolean }).retriable || attempt >= 30) throw err;
      await new Promise((r) => setTimeout(r, Math.min(2_000, 100 * 2 ** attempt)));
    }
  }
}
