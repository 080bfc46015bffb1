import type { KafkaMessage, ProducerBatch, RecordMetadata } from 'kafkajs';
import { TransactionalCommitter, type TransactionalProducer } from '../../../../src/kafka/stage/committer.js';
import type { OfferedBatch } from '../../../../src/kafka/stage/ports.js';
import { type RuntimeOptions, StageRuntime } from '../../../../src/kafka/stage/stage-runtime.js';
import type { Output, PartitionWorker } from '../../../../src/kafka/stage/worker.js';
import { silentLogger } from '../../../../src/observability/logger.js';
import { Probe } from '../../../../src/observability/pipeline-events.js';
import { PipelineTally, type StageTally } from '../../../../src/observability/pipeline-tally.js';
import { ManualClock } from '../../../writer/support/manual-clock.js';

export const INPUT = 'in';
/** records the worker makes of '!'-values: urgent, like the planning stage's adjustments */
export const EFFECTS = 'effects';
/** records the worker makes of other values: not urgent */
export const QUIET = 'quiet';
export const STATE = 'state';

/** What one transaction sent, as the broker would have taken it had it committed. */
export interface SentTransaction {
  /** the values of each `sendBatch`, topic by topic in order */
  requests: Array<Array<{ topic: string; values: string[] }>>;
  compression: Array<number | undefined>;
  /** the input offset committed, and its metadata */
  offset: string | undefined;
  metadata: string | null | undefined;
  outcome: 'committed' | 'aborted' | 'open';
  /** the transaction's calls in order */
  calls: Array<'sendBatch' | 'sendOffsets' | 'commit' | 'abort'>;
}

/**
 * A transactional producer that keeps what each transaction sent. `hold()` keeps the next
 * transaction from starting until the returned function is called; `failNext(where)` makes
 * the next transaction fail at that call.
 */
export class FakeProducer implements TransactionalProducer {
  readonly transactions: SentTransaction[] = [];
  #hold: Promise<void> | undefined;
  #fail: 'sendBatch' | 'commit' | undefined;
  #nextOffset = 0;
  /** let go by its owner (a revocation, a failure): kafkajs' producer is then disconnected */
  released = false;
  /** transactions asked for, those refused on a released producer included */
  started = 0;
  readonly #onCommit: ((offset: string | undefined) => void) | undefined;

  /** `onCommit`: told the input offset each transaction committed */
  constructor(onCommit?: (offset: string | undefined) => void) {
    this.#onCommit = onCommit;
  }

  hold(): () => void {
    let release!: () => void;
    this.#hold = new Promise((r) => {
      release = r;
    });
    return release;
  }

  failNext(where: 'sendBatch' | 'commit'): void {
    this.#fail = where;
  }

  get committed(): SentTransaction[] {
    return this.transactions.filter((t) => t.outcome === 'committed');
  }

  async transaction() {
    this.started++;
    if (this.released) throw new Error('the producer is disconnected');
    // a transaction begun before the release goes on
    const hold = this.#hold;
    this.#hold = undefined;
    if (hold) await hold;
    const fail = this.#fail;
    this.#fail = undefined;
    const t: SentTransaction = {
      requests: [],
      compression: [],
      offset: undefined,
      metadata: undefined,
      outcome: 'open',
      calls: [],
    };
    this.transactions.push(t);
    return {
      sendBatch: async (batch: ProducerBatch): Promise<RecordMetadata[]> => {
        t.calls.push('sendBatch');
        if (fail === 'sendBatch') throw new Error('the broker refused the records');
        const messages = batch.topicMessages ?? [];
        t.requests.push(
          messages.map((tm) => ({ topic: tm.topic, values: tm.messages.map((m) => String(m.value)) })),
        );
        t.compression.push(batch.compression);
        return messages.map((tm) => ({
          topicName: tm.topic,
          partition: tm.messages[0]?.partition ?? 0,
          errorCode: 0,
          baseOffset: String(this.#nextOffset++),
        }));
      },
      sendOffsets: async (o: {
        topics: Array<{ partitions: Array<{ offset: string; metadata?: string | null }> }>;
      }) => {
        t.calls.push('sendOffsets');
        const p = o.topics[0]?.partitions[0];
        t.offset = p?.offset;
        t.metadata = p?.metadata;
      },
      commit: async () => {
        t.calls.push('commit');
        if (fail === 'commit')
          throw Object.assign(new Error('fenced by a new owner'), { type: 'INVALID_PRODUCER_EPOCH' });
        t.outcome = 'committed';
        this.#onCommit?.(t.offset);
      },
      abort: async () => {
        t.calls.push('abort');
        t.outcome = 'aborted';
      },
    };
  }
}

/** The values a transaction produced to `topic`, over all its requests. */
export function valuesTo(t: SentTransaction, topic: string): string[] {
  return t.requests.flat().flatMap((r) => (r.topic === topic ? r.values : []));
}

export function message(offset: number, value: string): KafkaMessage {
  return {
    key: null,
    value: Buffer.from(value),
    offset: String(offset),
    timestamp: '0',
    attributes: 0,
    headers: {},
  } as KafkaMessage;
}

/** A batch of consecutive messages from `first`, and what the consumer was told of it. */
export function batchOf(
  partition: number,
  first: number,
  values: string[],
  o: { highWatermark?: number } = {},
): OfferedBatch & { resolved: string[]; paused: boolean; heartbeats: number; stale: boolean } {
  const b = {
    batch: {
      topic: INPUT,
      partition,
      highWatermark: String(o.highWatermark ?? first + values.length),
      messages: values.map((v, i) => message(first + i, v)),
      lastOffset: () => String(first + values.length - 1),
    },
    resolved: [] as string[],
    paused: false,
    heartbeats: 0,
    stale: false,
    heartbeat: async () => {
      b.heartbeats++;
    },
    isRunning: () => true,
    isStale: () => b.stale,
    resolveOffset: (offset: string) => {
      b.resolved.push(offset);
    },
    pause: () => {
      b.paused = true;
    },
  };
  return b;
}

export interface Harness {
  runtime: StageRuntime;
  /** what the runtime committed and aborted, from its events */
  stats: StageTally;
  /** records committed per output topic, from its events */
  tally: PipelineTally;
  clock: ManualClock;
  producers: FakeProducer[];
  /** the producer of the partition's current owner */
  producer(): FakeProducer;
  /** what each opening of the partition processed, in order */
  openings: string[][];
  seeks: Array<{ partition: number; offset: string }>;
  pauses: number[];
  resumes: number[];
  releases: number[];
  /** the offset the group has committed, as the next opening reads it */
  committedOffset: string;
  /** what the stage logged at error */
  errors: Array<{ msg: string; err?: unknown }>;
}

export interface HarnessOptions
  extends Partial<
    Pick<RuntimeOptions, 'commitIntervalMs' | 'idleCommitMs' | 'maxTransactionBytes' | 'pacing'>
  > {
  /** the worker throws on this value, `times` times (default: always) */
  failOn?: { value: string; times?: number };
  /** what each cut slice waits for before its transaction */
  settled?: () => Promise<void>;
  /** no urgent topic: '!'-values wait like any other */
  noUrgent?: boolean;
  /** the worker waits for this before taking each message (a slow worker) */
  gate?: () => Promise<void>;
}

/**
 * A stage runtime on one input partition with no broker: fake producers (one per opening),
 * the consumer's seeks and pauses recorded, a manual clock. The worker sends '!x' to EFFECTS
 * (urgent) and anything else to QUIET, and takes a state record (its value: the next offset)
 * at every cut.
 */
export function harness(o: HarnessOptions = {}): Harness {
  const clock = new ManualClock(1_000_000);
  let failures = o.failOn?.times ?? Number.POSITIVE_INFINITY;
  const probe = new Probe('test');
  const tally = new PipelineTally(probe);
  const h: Harness = {
    runtime: undefined as unknown as StageRuntime,
    stats: tally.stage('test'),
    tally,
    clock,
    producers: [],
    producer: () => h.producers.at(-1)!,
    openings: [],
    seeks: [],
    pauses: [],
    resumes: [],
    releases: [],
    committedOffset: '-1',
    errors: [],
  };
  const committer = new TransactionalCommitter({ groupId: 'g', clock });
  const worker = (seen: string[]): PartitionWorker => ({
    process(m: KafkaMessage, out: Output) {
      const take = () => {
        const v = String(m.value);
        if (o.failOn && v === o.failOn.value && failures-- > 0) throw new Error(`cannot take ${v}`);
        seen.push(v);
        out.send(v.startsWith('!') ? EFFECTS : QUIET, { key: null, value: v });
      };
      if (o.gate) return o.gate().then(take);
      take();
    },
    async checkpoint(next: string) {
      return { topic: STATE, message: { key: 'p', value: next, partition: 0 } };
    },
    ...(o.settled ? { settled: o.settled } : {}),
  });
  const logger = {
    ...silentLogger,
    error: (obj: unknown, msg?: string) => {
      h.errors.push({ msg: msg ?? '', err: obj });
    },
  } as unknown as RuntimeOptions['logger'];
  h.runtime = new StageRuntime({
    name: 'test',
    probe,
    inputTopic: INPUT,
    logger,
    clock,
    committer,
    ...(o.noUrgent ? {} : { urgentTopics: new Set([EFFECTS]) }),
    ...(o.commitIntervalMs !== undefined
      ? { commitIntervalMs: o.commitIntervalMs }
      : { commitIntervalMs: 600_000 }),
    ...(o.idleCommitMs !== undefined ? { idleCommitMs: o.idleCommitMs } : { idleCommitMs: 600_000 }),
    ...(o.maxTransactionBytes !== undefined ? { maxTransactionBytes: o.maxTransactionBytes } : {}),
    ...(o.pacing ? { pacing: o.pacing } : {}),
    ownership: {
      take: async (partition) => {
        const producer = new FakeProducer((offset) => {
          if (offset !== undefined) h.committedOffset = offset;
        });
        h.producers.push(producer);
        return { producer, positions: [{ partition, offset: h.committedOffset, state: undefined }] };
      },
      release: async (partition) => {
        h.releases.push(partition);
        h.producer().released = true;
      },
    },
    control: {
      seek: (partition, offset) => h.seeks.push({ partition, offset }),
      pause: (partition) => h.pauses.push(partition),
      resume: (partition) => h.resumes.push(partition),
    },
    processor: {
      async open(positions) {
        const seen: string[] = [];
        h.openings.push(seen);
        return new Map(positions.map((p) => [p.partition, worker(seen)]));
      },
    },
  });
  return h;
}

/** Lets every promise chain that waits on nothing but other promises run to its end. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}
