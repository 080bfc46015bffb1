import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { main } from '../../src/cli/main.js';
import { DLQ_HEADERS } from '../../src/kafka/dead-letter.js';
import { configFile } from '../pipeline/support/child.js';
import {
  brokers,
  createTopics,
  GOLDEN,
  goldenEventLines,
  goldenSandbox,
  startAssembled,
  testConfig,
  testKafka,
} from '../pipeline/support/harness.js';
import { kcatProduceLines } from './support/kcat-producer.js';
import { type ReadRecord, readRecords } from './support/topic-reader.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
});

/** the golden rules with the trunk-scoped rule on too: two lanes, each sees every sample */
function twoLaneRules(): string {
  const doc = parse(readFileSync(new URL('rules.yaml', GOLDEN), 'utf8')) as {
    rules: Array<{ enabled?: boolean }>;
  };
  for (const r of doc.rules) r.enabled = true;
  const file = join(mkdtempSync(join(tmpdir(), 'tr-rules-')), 'rules.yaml');
  writeFileSync(file, stringify(doc));
  return file;
}

function trunkOf(line: string): string {
  return /"trunkId":"([^"]+)"/.exec(line)?.[1] ?? 'unknown';
}

/** the golden stream's one sample sent 40 minutes behind its trunk: late by the rules' 30 s */
const LATE = 600;

describe('dead letters of samples the rules stage refuses', () => {
  it("name the producer's topic, partition, offset and key, and redrive there once", async () => {
    const { sandbox } = await goldenSandbox();
    cleanup.push(() => sandbox.close());
    const config = testConfig({
      brokers: brokers(),
      sandboxUrl: sandbox.url,
      partitions: 2,
      rulesFile: twoLaneRules(),
    });
    const t = config.kafka.topics;
    const kafka = testKafka(config.kafka.brokers);
    const kadmin = kafka.admin();
    await kadmin.connect();
    cleanup.push(() => kadmin.disconnect());
    await createTopics(kadmin, config);

    const lines = goldenEventLines().slice(0, 700);
    expect(lines[LATE]).toContain('"trunkId":"sg-byoc-14"');
    // all on partition 1 of a fresh topic: offset = line number
    await kcatProduceLines(
      { brokers: config.kafka.brokers, topic: t.events, partition: 1 },
      lines.map((value) => ({ key: trunkOf(value), value })),
    );
    const { app, fatal } = await startAssembled(config, cleanup);

    const isLate = (d: ReadRecord) => d.headers[DLQ_HEADERS.code] === 'TR_ERR_EVENT_LATE';
    const dead = await readRecords(kafka, t.deadLetter, (r) => r.filter(isLate).length >= 2, 60_000);
    const late = dead.filter(isLate);
    // late in the trunk's lane and in its group's: two dead letters, one producer record
    expect(late).toHaveLength(2);
    for (const d of late) {
      expect(d.headers).toMatchObject({
        [DLQ_HEADERS.topic]: t.events,
        [DLQ_HEADERS.partition]: '1',
        [DLQ_HEADERS.offset]: String(LATE),
        [DLQ_HEADERS.stage]: 'rules',
        [DLQ_HEADERS.repartitionTopic]: t.repartition,
      });
      expect(Number(d.headers[DLQ_HEADERS.repartitionOffset])).toBeGreaterThanOrEqual(0);
      expect(d.key?.toString()).toBe('sg-byoc-14');
      expect(d.value?.toString()).toBe(lines[LATE]);
    }
    expect(fatal()).toBeUndefined();
    await app.pipeline.stop(Date.now() + 5_000);

    // redrive sends the producer's record back to the events topic, once for both lanes
    const before = new Map(
      (await kadmin.fetchTopicOffsets(t.events)).map((p) => [p.partition, Number(p.high)]),
    );
    const file = configFile(config);
    expect(await main(['redrive', '--config', file, '--stage', 'rules', '--code', 'TR_ERR_EVENT_LATE'])).toBe(
      0,
    );
    const after = await kadmin.fetchTopicOffsets(t.events);
    expect(after.reduce((n, p) => n + Number(p.high) - (before.get(p.partition) ?? 0), 0)).toBe(1);
    const events = await readRecords(kafka, t.events, (r) => r.length >= lines.length + 1);
    const redriven = events.filter((e) => e.headers['tr-redriven-from'] !== undefined);
    expect(redriven).toHaveLength(1);
    expect(redriven[0]?.key?.toString()).toBe('sg-byoc-14');
    expect(redriven[0]?.value?.toString()).toBe(lines[LATE]);
  }, 180_000);
});
