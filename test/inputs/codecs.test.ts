import { execFile } from 'node:child_process';
import { CompressionCodecs, CompressionTypes, type Kafka } from 'kafkajs';
import lz4 from 'lz4-napi';
import snappyjs from 'snappyjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { groupIds } from '../../src/app/pipeline.js';
import type { Config } from '../../src/config/schema.js';
import { DLQ_HEADERS } from '../../src/kafka/dead-letter.js';
import { leanBatchInUse } from '../../src/kafka/kafkajs/lean-batch.js';
import { loadKafkajs } from '../../src/kafka/kafkajs/load.js';
import { waitUntil } from '../kafka/wait-until.js';
import { syntheticEvents } from '../pipeline/support/events.js';
import {
  brokers,
  createTopics,
  goldenSandbox,
  readTopic,
  startAssembled,
  testConfig,
  testKafka,
} from '../pipeline/support/harness.js';
import { kcatPath, kcatProduceLines } from './support/kcat-producer.js';
import { readRecords } from './support/topic-reader.js';

type Codec = {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(b: Buffer): Promise<Buffer>;
};
const codecs = CompressionCodecs as unknown as Record<number, () => Codec>;

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
});

beforeAll(() => {
  // kafkajs as the service loads it (the adapter's one install): every codec, the lean record
  // decoder and the lean batch, whatever the harness loaded first
  expect(loadKafkajs().parts.decoder).toEqual({ installed: true });
  expect(leanBatchInUse()).toBe(true);
});

/** The golden rules' enabled rules all scope by trunk group: each event goes to the rules stage once, on that lane. */
const LANES = 1;

function keyed(lines: readonly string[]): Array<{ key: string; value: string }> {
  return lines.map((value) => ({ key: /"trunkId":"([^"]+)"/.exec(value)?.[1] ?? 'unknown', value }));
}

interface Run {
  config: Config;
  kafka: Kafka;
  committed(groupId: string, topic: string): Promise<number>;
}

/** A sandbox and fresh topics of one partition (the events keep their order and none is late). */
async function freshRun(): Promise<Run> {
  const { sandbox } = await goldenSandbox();
  cleanup.push(() => sandbox.close());
  const config = testConfig({ brokers: brokers(), sandboxUrl: sandbox.url, partitions: 1 });
  const kafka = testKafka(config.kafka.brokers);
  const admin = kafka.admin();
  await admin.connect();
  cleanup.push(() => admin.disconnect());
  await createTopics(admin, config);
  return {
    config,
    kafka,
    async committed(groupId, topic) {
      const [o] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return Number(o?.partitions.find((p) => p.partition === 0)?.offset ?? -1);
    },
  };
}

/** Produces with kcat (librdkafka) compressed by `codec`, in batches of at most 200 records. */
function kcat(run: Run, codec: string, lines: readonly string[]): Promise<void> {
  return kcatProduceLines(
    {
      brokers: run.config.kafka.brokers,
      topic: run.config.kafka.topics.events,
      partition: 0,
      properties: { 'compression.codec': codec, 'batch.num.messages': '200' },
    },
    keyed(lines),
  );
}

/**
 * Produces `lines` in one batch with kafkajs, compressed as `compress` says under the codec id
 * `type`: a framing or a corruption no client here writes. The codec table is kafkajs' own,
 * shared by the process, so the project's codec is back before anything reads.
 */
async function produceWith(
  run: Run,
  type: CompressionTypes,
  compress: (records: Buffer) => Promise<Buffer>,
  lines: readonly string[],
): Promise<void> {
  const own = codecs[type]!;
  codecs[type] = () => ({ compress: (encoder) => compress(encoder.buffer), decompress: own().decompress });
  const producer = run.kafka.producer();
  try {
    await producer.connect();
    await producer.send({
      topic: run.config.kafka.topics.events,
      compression: type,
      acks: -1,
      messages: keyed(lines).map((m) => ({ ...m, partition: 0 })),
    });
  } finally {
    codecs[type] = own;
    await producer.disconnect();
  }
}

/** Counts the batches of codec `type` decoded from now on (kafkajs asks its table once per batch). */
function countBatches(type: CompressionTypes): () => number {
  const own = codecs[type]!;
  let n = 0;
  codecs[type] = () => {
    n++;
    return own();
  };
  cleanup.push(async () => {
    codecs[type] = own;
  });
  return () => n;
}

/**
 * Runs the pipeline over the events topic's `records` offsets, until the repartition stage
 * committed them all and the rules stage the whole repartition topic.
 */
async function runPipeline(run: Run, records: number) {
  const { config } = run;
  const t = config.kafka.topics;
  const g = groupIds(config.kafka.groupId);
  const { app, fatal } = await startAssembled(config, cleanup);
  await waitUntil(
    async () => (await run.committed(g.repartition, t.events)) === records,
    `the repartition stage to commit all ${records} offsets of the events topic`,
    60_000,
  );
  await waitUntil(
    async () => {
      const stats = app.pipeline.repartitionStats;
      return app.pipeline.rulesStats.events >= stats.routed;
    },
    () =>
      `the rules stage to process the ${app.pipeline.repartitionStats.routed} routed events (has ${app.pipeline.rulesStats.events})`,
    60_000,
  );
  return { app, fatal };
}

/** Every event of `lines` reached the rules stage once per lane, as sent, and nothing was refused. */
async function expectAllDecoded(
  run: Run,
  app: Awaited<ReturnType<typeof runPipeline>>['app'],
  lines: string[],
) {
  const r = app.pipeline.repartitionStats;
  expect(r.events).toBe(lines.length);
  expect(r.deadLettered).toBe(0);
  expect(r.routed).toBe(lines.length * LANES);
  expect(app.pipeline.rulesStats.events).toBe(r.routed);
  expect(app.pipeline.rulesStats.deadLettered).toBe(0);
  const routed = await readTopic(run.kafka, run.config.kafka.topics.repartition, r.routed);
  expect(routed.map((m) => m.value).sort()).toEqual(lines.flatMap((l) => Array(LANES).fill(l)).sort());
}

/** snappy-java's stream, as Java clients compress a batch: the xerial header, then 4 KiB chunks. */
function xerial(raw: Buffer): Buffer {
  const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
  const parts = [header];
  for (let at = 0; at < raw.length; at += 4096) {
    const block = Buffer.from(snappyjs.compress(raw.subarray(at, at + 4096)));
    const length = Buffer.alloc(4);
    length.writeInt32BE(block.length);
    parts.push(length, block);
  }
  return Buffer.concat(parts);
}

describe('compressed batches from producers the project did not write', () => {
  it('decodes snappy batches, raw as librdkafka sends them and xerial-framed as Java clients do, and every event reaches the rules stage', async () => {
    const run = await freshRun();
    const lines = syntheticEvents(900);
    await kcat(run, 'snappy', lines.slice(0, 600));
    await produceWith(run, CompressionTypes.Snappy, async (records) => xerial(records), lines.slice(600));
    const batches = countBatches(CompressionTypes.Snappy);
    const { app, fatal } = await runPipeline(run, lines.length);
    // kcat's 3 batches and the xerial one, at least (a fetch may cut one and read it again)
    expect(batches()).toBeGreaterThanOrEqual(4);
    await expectAllDecoded(run, app, lines);
    expect(fatal()).toBeUndefined();
  }, 120_000);

  it.each([
    ['lz4', CompressionTypes.LZ4],
    ['zstd', CompressionTypes.ZSTD],
    ['gzip', CompressionTypes.GZIP],
  ])(
    'decodes %s batches from librdkafka, and every event reaches the rules stage',
    async (name, type) => {
      const run = await freshRun();
      const lines = syntheticEvents(900);
      await kcat(run, name, lines);
      const batches = countBatches(type);
      const { app, fatal } = await runPipeline(run, lines.length);
      expect(batches()).toBeGreaterThanOrEqual(900 / 200);
      await expectAllDecoded(run, app, lines);
      expect(fatal()).toBeUndefined();
    },
    120_000,
  );
});

describe("the codecs' compression", () => {
  it('writes snappy and lz4 batches librdkafka reads back, and refuses zstd naming the codecs to use', async () => {
    const run = await freshRun();
    const t = run.config.kafka.topics;
    const producer = run.kafka.producer();
    await producer.connect();
    cleanup.push(() => producer.disconnect());
    const lines = syntheticEvents(40);
    for (const type of [CompressionTypes.Snappy, CompressionTypes.LZ4]) {
      await producer.send({ topic: t.events, compression: type, acks: -1, messages: keyed(lines) });
    }
    const read = await new Promise<string>((resolve, reject) =>
      execFile(
        kcatPath(),
        [
          '-C',
          '-b',
          run.config.kafka.brokers.join(','),
          '-t',
          t.events,
          '-o',
          'beginning',
          '-e',
          '-q',
          '-f',
          '%s\\n',
        ],
        { maxBuffer: 16 * 1024 * 1024 },
        (err, stdout, stderr) =>
          err ? reject(new Error(`kcat -C failed: ${stderr || err.message}`)) : resolve(stdout),
      ),
    );
    expect(read.split('\n').filter((l) => l !== '')).toEqual([...lines, ...lines]);
    await expect(
      producer.send({ topic: t.events, compression: CompressionTypes.ZSTD, messages: keyed(lines) }),
    ).rejects.toMatchObject({
      code: 'TR_ERR_KAFKA_CODEC_UNAVAILABLE',
      message: expect.stringMatching(/^zstd cannot compress here: .*gzip, snappy or lz4/),
    });
  }, 60_000);
});

/**
 * The pipeline over `before`, one poisoned batch of `poisoned` records and `after` (offsets in
 * that order from 0): the batch is dead-lettered once, by position with the reason, and every
 * other event reaches the rules stage.
 */
async function expectPoisonPassed(
  run: Run,
  counts: { before: number; poisoned: number; after: number },
  codec: string,
  cause: RegExp,
): Promise<void> {
  const t = run.config.kafka.topics;
  const { app, fatal } = await runPipeline(run, counts.before + counts.poisoned + counts.after);
  const r = app.pipeline.repartitionStats;
  // the batch counts as one input, dead-lettered; every other event went on to the rules stage.
  // The counters count processing, and a batch processed again after an aborted transaction
  // (a loaded machine) counts twice: at least, here; exactly once is read from the topics below.
  expect(r.events).toBeGreaterThanOrEqual(counts.before + 1 + counts.after);
  expect(r.deadLettered).toBeGreaterThanOrEqual(1);
  expect(r.routed).toBeGreaterThanOrEqual((counts.before + counts.after) * LANES);
  expect(app.pipeline.rulesStats.events).toBeGreaterThanOrEqual((counts.before + counts.after) * LANES);
  expect(fatal()).toBeUndefined();

  const dead = await readRecords(run.kafka, t.deadLetter, (d) => d.length >= 1);
  expect(dead).toHaveLength(1);
  const d = dead[0]!;
  const first = counts.before;
  const last = counts.before + counts.poisoned - 1;
  expect(d.headers[DLQ_HEADERS.code]).toBe('TR_ERR_EVENT_BATCH_UNDECODABLE');
  expect(d.headers[DLQ_HEADERS.topic]).toBe(t.events);
  expect(d.headers[DLQ_HEADERS.partition]).toBe('0');
  expect(d.headers[DLQ_HEADERS.offset]).toBe(String(first));
  expect(d.headers[DLQ_HEADERS.lastOffset]).toBe(String(last));
  expect(d.headers[DLQ_HEADERS.stage]).toBe('repartition');
  expect(d.headers[DLQ_HEADERS.message]).toMatch(
    new RegExp(
      `^${t.events}\\[0\\] offsets ${first} to ${last}: the record batch \\(${counts.poisoned} records, compression ${codec}\\) could not be decoded`,
    ),
  );
  expect(d.headers[DLQ_HEADERS.message]).toMatch(cause);
  expect(d.key).toBeNull();
  expect(d.value).toBeNull();
}

describe('a compressed batch that cannot be decoded', () => {
  it('is dead-lettered by position with the reason, and the events after it on the partition are processed', async () => {
    const run = await freshRun();
    const lines = syntheticEvents(605);
    await kcat(run, 'lz4', lines.slice(0, 300));
    // an lz4 frame whose content checksum does not match its content: the broker stores it
    // without checking that checksum, and the lz4 codec refuses it
    await produceWith(
      run,
      CompressionTypes.LZ4,
      async (records) => {
        const frame = await lz4.compressFrame(records, { contentChecksum: true });
        frame[frame.length - 1] = frame[frame.length - 1]! ^ 0xff;
        return frame;
      },
      lines.slice(300, 305),
    );
    await kcat(run, 'lz4', lines.slice(305));
    await expectPoisonPassed(run, { before: 300, poisoned: 5, after: 300 }, 'lz4', /ContentChecksum/);
  }, 120_000);

  it.each([
    ['snappy', CompressionTypes.Snappy],
    ['zstd', CompressionTypes.ZSTD],
  ])(
    'of %s, which this process fails to decompress, is dead-lettered by position and the partition goes on',
    async (name, type) => {
      const run = await freshRun();
      const lines = syntheticEvents(600);
      await kcat(run, name, lines.slice(0, 300));
      // a batch the broker stores (it decompresses every batch it is sent), which this process's
      // codec then fails on: as a codec that cannot load here, or lacks a feature of the frame
      await kcat(
        run,
        name,
        Array.from({ length: 4 }, (_, i) => `undecodable-here ${i}`),
      );
      await kcat(run, name, lines.slice(300));
      const own = codecs[type]!;
      codecs[type] = () => ({
        compress: own().compress,
        async decompress(buffer) {
          const out = await own().decompress(buffer);
          if (out.includes('undecodable-here')) throw new Error(`the ${name} codec failed on this batch`);
          return out;
        },
      });
      cleanup.push(async () => {
        codecs[type] = own;
      });
      await expectPoisonPassed(
        run,
        { before: 300, poisoned: 4, after: 300 },
        name,
        /codec failed on this batch/,
      );
    },
    120_000,
  );
});
