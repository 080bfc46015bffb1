import { describe, expect, it } from 'vitest';
import { WriterStage } from '../../src/app/writer-stage.js';
import type {
  ConsumedMessage,
  GroupConsumer,
  OfferedBatch,
  PartitionProducers,
  Transaction,
  TransactionOffsets,
} from '../../src/kafka/port.js';
import { silentLogger } from '../../src/observability/logger.js';
import type { Outcome } from '../../src/writer/outcome.js';
import { update } from '../writer/support/adjustments.js';
import { ManualClock } from '../writer/support/manual-clock.js';

const TOPICS = { adjustments: 'adj', outcomes: 'out', deadLetter: 'dlq' };

/** A writer stage on fakes of the Kafka port and a manual clock, with one adjustment whose apply waits. */
async function stageWithWaitingAdjustment(holdMs: number) {
  const clock = new ManualClock(1_000_000);
  const seen = { paused: [] as number[], resumed: [] as number[], offsets: [] as TransactionOffsets[] };
  let run: Parameters<GroupConsumer['run']>[0] | undefined;
  const consumer: GroupConsumer = {
    run: async (r) => {
      run = r;
    },
    seek: () => {},
    pause: (p) => seen.paused.push(p),
    resume: (p) => seen.resumed.push(p),
    pauseAll: () => {},
    commitOffset: async () => {},
    stop: async () => {},
    disconnect: async () => {},
  };
  const transaction: Transaction = {
    sendBatch: async () => [],
    sendOffsets: async (o) => {
      seen.offsets.push(o);
    },
    commit: async () => {},
    abort: async () => {},
  };
  const producers: PartitionProducers = {
    get: async () => ({ transaction: async () => transaction }),
    release: async () => {},
    releaseAll: async () => {},
  };
  let settle: (o: Outcome) => void = () => {};
  const stage = new WriterStage({
    kafka: { groupConsumer: () => consumer, transactionalProducers: () => producers },
    admin: {
      fetchOffsets: async () => [
        { topic: 'adj', partitions: [{ partition: 0, offset: '-1', metadata: null }] },
      ],
    },
    groupId: 'writer',
    topics: TOPICS,
    partitions: 1,
    applier: {
      apply: () =>
        new Promise<Outcome>((resolve) => {
          settle = resolve;
        }),
      inProgress: 0,
      close: async () => {},
    },
    transactionalIdPrefix: 'writer-adj',
    transactionTimeoutMs: 30_000,
    sessionTimeoutMs: 10_000,
    logger: silentLogger,
    onFatal: (err) => {
      throw err;
    },
    holdMs,
    clock,
  });
  await stage.start();
  run!.assigned(new Set([0]));
  const a = update(
    { id: 's1', agentId: 'a1', teamId: 't1' },
    { kind: 'set-end', end: '2026-11-25T10:00:00Z' },
  );
  const message: ConsumedMessage = {
    key: Buffer.from('a1'),
    value: Buffer.from(JSON.stringify(a)),
    offset: '0',
    timestamp: '0',
    attributes: 0,
  };
  const batch: OfferedBatch = {
    batch: { topic: 'adj', partition: 0, highWatermark: '1', messages: [message], lastOffset: () => '0' },
    heartbeat: async () => {},
    isRunning: () => true,
    isStale: () => false,
    resolveOffset: () => {},
    pause: () => {},
  };
  await run!.batch(batch);
  const outcome = { key: a.key, status: 'applied' } as Outcome;
  return { clock, seen, stage, settle: () => settle(outcome) };
}

describe('writer stage on the injected clock', () => {
  it("pauses a partition once its head has waited holdMs of the stage's clock, and resumes it when the head settles", async () => {
    const { clock, seen, stage, settle } = await stageWithWaitingAdjustment(5_000);
    await clock.advance(4_000, 1_000);
    expect(seen.paused).toEqual([]);
    await clock.advance(2_000, 1_000);
    expect(seen.paused).toEqual([0]);
    settle();
    await clock.advance(1_000, 100);
    expect(seen.offsets.map((o) => o.topics[0]?.partitions[0]?.offset)).toEqual(['1']);
    expect(seen.resumed).toEqual([0]);
    await stage.stop(clock.now());
  });
});
