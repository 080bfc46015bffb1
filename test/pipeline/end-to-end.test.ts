import { afterEach, describe, expect, it } from 'vitest';
import { groupIds } from '../../src/app/pipeline.js';
import { DLQ_HEADERS } from '../../src/kafka/dead-letter.js';
import { waitUntil } from '../kafka/wait-until.js';
import {
  appliedWrites,
  brokers,
  createTopics,
  duplicates,
  goldenEventLines,
  goldenSandbox,
  produceEvents,
  quietLogger,
  readTopic,
  settled,
  startAssembled,
  testConfig,
  testKafka,
  testRulesFile,
} from './support/harness.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
});

describe('pipeline end to end (real broker, sandbox over HTTP)', () => {
  it('turns trunk events into WFM writes once each, with an outcome per adjustment and poison messages dead-lettered', async () => {
    const { sandbox, admin } = await goldenSandbox();
    cleanup.push(() => sandbox.close());
    // the golden rules as they are (allowedLateness 30s), with the whole backlog pre-loaded
    // on 3 partitions: the repartition stage's event-time alignment keeps the sources together
    const config = testConfig({
      brokers: brokers(),
      sandboxUrl: sandbox.url,
      partitions: 3,
      rulesFile: testRulesFile(),
    });
    const kafka = testKafka(config.kafka.brokers);
    const kadmin = kafka.admin();
    await kadmin.connect();
    cleanup.push(() => kadmin.disconnect());
    await createTopics(kadmin, config);

    const poison = ['{"not":"an event"}', 'garbage \u0000 bytes', ''];
    await produceEvents(kafka, config.kafka.topics.events, [...goldenEventLines(), ...poison]);

    const { app, fatal } = await startAssembled(
      config,
      cleanup,
      process.env.TR_DEBUG
        ? (await import('../../src/observability/logger.js')).createLogger({ level: 'debug', pretty: false })
        : quietLogger,
    );

    // every event passes the repartition hop and the rules stage
    await waitUntil(
      async () => {
        const offsets = await kadmin.fetchOffsets({
          groupId: groupIds(config.kafka.groupId).repartition,
          topics: [config.kafka.topics.events],
        });
        const done = offsets[0]?.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0) ?? 0;
        return done >= goldenEventLines().length + poison.length;
      },
      'the repartition stage to commit every event',
      60_000,
    );
    const produced = () => app.pipeline.committed(config.kafka.topics.adjustments);
    await waitUntil(() => produced() > 0, 'adjustments', 60_000);
    await settled(produced);
    await waitUntil(
      () => app.pipeline.writerStats.outcomes >= produced(),
      () => `outcomes for all ${produced()} adjustments (have ${app.pipeline.writerStats.outcomes})`,
      60_000,
    );
    expect(fatal()).toBeUndefined();

    const outcomes = await readTopic(kafka, config.kafka.topics.outcomes, produced());
    expect(outcomes).toHaveLength(produced());
    const statuses = outcomes.map((o) => JSON.parse(o.value ?? '{}').status as string);
    expect(statuses.filter((s) => s === 'applied').length).toBeGreaterThan(0);
    // the planner's reads gave the writer its versions: each update written once, with no read before it
    const updates = outcomes
      .map((o) => JSON.parse(o.value ?? '{}') as { kind: string; status: string; httpCalls: number })
      .filter((o) => o.kind === 'update' && o.status === 'applied');
    expect(updates.length).toBeGreaterThan(0);
    expect(updates.filter((o) => o.httpCalls !== 1)).toEqual([]);

    const writes = appliedWrites(await admin.ledger());
    expect(duplicates(writes)).toEqual([]);
    expect(writes.length).toBeGreaterThan(0);

    // the golden stream's own bad line, its duplicate and late ones, and the poison
    const dead = await readTopic(kafka, config.kafka.topics.deadLetter, poison.length + 3);
    const codes = dead.map((d) => d.headers[DLQ_HEADERS.code]);
    // only the golden stream's one deliberately late sample is late (once per lane at most):
    // no sample is late because another source partition's backlog came first
    const late = dead.filter((d) => d.headers[DLQ_HEADERS.code] === 'TR_ERR_EVENT_LATE');
    expect(late.length).toBeGreaterThan(0);
    expect(new Set(late.map((d) => d.value))).toEqual(new Set([goldenEventLines()[600]]));
    expect(codes.filter((c) => c === 'TR_ERR_EVENT_DECODE').length).toBeGreaterThanOrEqual(poison.length + 1);
    const garbage = dead.find((d) => d.value === 'garbage \u0000 bytes');
    expect(garbage?.headers[DLQ_HEADERS.topic]).toBe(config.kafka.topics.events);
    expect(Number(garbage?.headers[DLQ_HEADERS.offset])).toBeGreaterThanOrEqual(0);
    expect(garbage?.headers[DLQ_HEADERS.message]).toMatch(/not JSON/);
  }, 120_000);
});
