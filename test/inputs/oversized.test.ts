import { createHash } from 'node:crypto';
import { ConfigResourceTypes } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { groupIds } from '../../src/app/pipeline.js';
import { DLQ_HEADERS } from '../../src/kafka/dead-letter.js';
import { waitUntil } from '../kafka/wait-until.js';
import {
  brokers,
  createTopics,
  goldenEventLines,
  goldenSandbox,
  startAssembled,
  testConfig,
  testKafka,
} from '../pipeline/support/harness.js';
import { kcatProduceLines, kcatProduceValue } from './support/kcat-producer.js';
import { readRecords } from './support/topic-reader.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
});

/** the broker's default max.message.bytes, which a topic created without overrides has */
const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;
/** under the topic's limit, so the producer's batch is accepted; over it once dead-letter headers are added */
const OVERSIZED = 1_048_400;

/** bytes that do not compress (so gzip cannot shrink the dead-letter copy under the limit), the same every run */
function incompressible(length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0, block = 0; i < length; block++) {
    const h = createHash('sha256').update(`oversized-${block}`).digest();
    i += h.copy(out, i);
  }
  return out;
}

function trunkOf(line: string): string {
  return /"trunkId":"([^"]+)"/.exec(line)?.[1] ?? 'unknown';
}

describe('an oversized value from an independent producer', () => {
  it('is dead-lettered truncated with its headers and the partition goes on', async () => {
    const { sandbox } = await goldenSandbox();
    cleanup.push(() => sandbox.close());
    const config = testConfig({ brokers: brokers(), sandboxUrl: sandbox.url, partitions: 2 });
    const t = config.kafka.topics;
    const kafka = testKafka(config.kafka.brokers);
    const kadmin = kafka.admin();
    await kadmin.connect();
    cleanup.push(() => kadmin.disconnect());
    await createTopics(kadmin, config);
    const described = await kadmin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: t.events, configNames: ['max.message.bytes'] }],
    });
    expect(described.resources[0]?.configEntries[0]?.configValue).toBe(String(DEFAULT_MAX_MESSAGE_BYTES));

    const lines = goldenEventLines().slice(0, 600);
    const before = lines.slice(0, 300).map((value) => ({ key: trunkOf(value), value }));
    const after = lines.slice(300).map((value) => ({ key: trunkOf(value), value }));
    const big = incompressible(OVERSIZED);
    const target = {
      brokers: config.kafka.brokers,
      topic: t.events,
      partition: 1,
      // librdkafka's own request cap is 1,000,000 bytes by default
      properties: { 'message.max.bytes': String(2 * DEFAULT_MAX_MESSAGE_BYTES) },
    };
    await kcatProduceLines(target, before);
    await kcatProduceValue(target, 'sg-byoc-01', big);
    await kcatProduceLines(target, after);

    const { app, fatal } = await startAssembled(config, cleanup);
    const g = groupIds(config.kafka.groupId);
    const committed = async (groupId: string, topic: string) => {
      const [o] = await kadmin.fetchOffsets({ groupId, topics: [topic] });
      return new Map((o?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    };
    // the repartition stage commits past the oversized value: every event of partition 1 is through
    await waitUntil(
      async () => (await committed(g.repartition, t.events)).get(1) === 601,
      'the repartition stage to commit all 601 records of partition 1',
      60_000,
    );
    // and the rules stage processes everything that came after it
    await waitUntil(
      async () => {
        const ends = await kadmin.fetchTopicOffsets(t.repartition);
        const done = await committed(g.rules, t.repartition);
        return ends.every((e) => Number(e.high) === 0 || (done.get(e.partition) ?? -1) >= Number(e.high) - 1);
      },
      'the rules stage to commit the whole repartition topic',
      60_000,
    );
    // every record of the partition was read once, and every valid one reached the rules stage
    expect(app.pipeline.repartitionStats.events).toBe(601);
    expect(app.pipeline.rulesStats.events).toBe(app.pipeline.repartitionStats.routed);
    expect(app.pipeline.repartitionStats.routed).toBeGreaterThan(500);
    expect(fatal()).toBeUndefined();

    const dead = await readRecords(kafka, t.deadLetter, (r) =>
      r.some((d) => d.headers[DLQ_HEADERS.offset] === '300'),
    );
    const oversized = dead.filter((d) => d.headers[DLQ_HEADERS.offset] === '300');
    expect(oversized).toHaveLength(1);
    const d = oversized[0]!;
    expect(d.headers[DLQ_HEADERS.code]).toBe('TR_ERR_EVENT_DECODE');
    expect(d.headers[DLQ_HEADERS.message]).toMatch(/too-large/);
    expect(d.headers[DLQ_HEADERS.topic]).toBe(t.events);
    expect(d.headers[DLQ_HEADERS.partition]).toBe('1');
    expect(d.headers[DLQ_HEADERS.offset]).toBe('300');
    expect(d.headers[DLQ_HEADERS.stage]).toBe('repartition');
    expect(d.headers[DLQ_HEADERS.truncated]).toBe(String(OVERSIZED));
    expect(d.key?.toString()).toBe('sg-byoc-01');
    // as much of the value as fits: a prefix of the original, cut by no more than the headers need
    expect(d.value?.length).toBeLessThan(OVERSIZED);
    expect(d.value?.length).toBeGreaterThan(OVERSIZED - 4_096);
    expect(d.value?.equals(big.subarray(0, d.value.length))).toBe(true);
  }, 180_000);
});
