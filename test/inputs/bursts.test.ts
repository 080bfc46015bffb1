import type { Kafka } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { groupIds } from '../../src/app/pipeline.js';
import type { Config } from '../../src/config/schema.js';
import { DLQ_HEADERS } from '../../src/kafka/dead-letter.js';
import type { Adjustment } from '../../src/planner/adjustment.js';
import { waitUntil } from '../kafka/wait-until.js';
import {
  brokers,
  createTopics,
  goldenEventLines,
  goldenSandbox,
  readTopic,
  settled,
  startAssembled,
  testConfig,
  testKafka,
  testRulesFile,
} from '../pipeline/support/harness.js';
import { eventTimeBursts, eventTimeOf, produceBursts, trunkBursts } from './support/bursts.js';
import { plannedAdjustments } from './support/plan-reference.js';

const MIN = 60_000;
/** the golden stream's one sample sent late on purpose (line 601: 40 minutes behind its trunk) */
const GOLDEN_LATE_LINE = 600;

/**
 * The late dead letters other than the golden stream's deliberately late sample, which must be
 * none. That one is late when every trunk has passed it by the time it comes (so in plan and on
 * one instance); a trunk still behind it would let it be taken in order.
 */
function lateButNotSentLate(dead: ReadonlyArray<{ value: string | null; headers: Record<string, string> }>) {
  const late = dead.filter((d) => d.headers[DLQ_HEADERS.code] === 'TR_ERR_EVENT_LATE');
  return late.map((d) => d.value).filter((v) => v !== goldenEventLines()[GOLDEN_LATE_LINE]);
}

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
});

/** What `trunk-reactor plan` finds on `lines`: its dry run, in process, on the golden schedule. */
async function planned(rulesFile: string, lines: readonly string[]): Promise<Adjustment[]> {
  const adjustments = await plannedAdjustments(rulesFile, lines);
  // the pipeline never flushes its stream: plan's decisions on the last samples (flushed at the
  // end of the file) have no counterpart there, so the streams used here end quietly
  const last = Math.max(...lines.flatMap((l) => eventTimeOf(l) ?? []));
  expect(adjustments.filter((a) => Date.parse(a.reason.eventTime) > last - 10 * MIN)).toEqual([]);
  return adjustments;
}

/** The golden rules without the trunk-scoped one: one scope, one owner, one planner order (harness.ts). */
function burstRules(): string {
  return testRulesFile({ groupScopeOnly: true });
}

interface Setup {
  config: Config;
  kafka: Kafka;
  offsetsDone(n: number): Promise<boolean>;
}

async function setup(rulesFile: string): Promise<Setup> {
  const { sandbox } = await goldenSandbox();
  cleanup.push(() => sandbox.close());
  const config = testConfig({ brokers: brokers(), sandboxUrl: sandbox.url, partitions: 3, rulesFile });
  const kafka = testKafka(config.kafka.brokers);
  const admin = kafka.admin();
  await admin.connect();
  cleanup.push(() => admin.disconnect());
  await createTopics(admin, config);
  return {
    config,
    kafka,
    async offsetsDone(n) {
      const offsets = await admin.fetchOffsets({
        groupId: groupIds(config.kafka.groupId).repartition,
        topics: [config.kafka.topics.events],
      });
      return (offsets[0]?.partitions.reduce((s, p) => s + Math.max(0, Number(p.offset)), 0) ?? 0) >= n;
    },
  };
}

/** Waits until the running pipeline has taken in `events` events and settled what they cause. */
async function drained(
  s: Setup,
  app: Awaited<ReturnType<typeof startAssembled>>['app'],
  events: number,
): Promise<void> {
  await waitUntil(() => s.offsetsDone(events), `the repartition stage to commit ${events} events`, 90_000);
  const p = app.pipeline;
  await waitUntil(
    () => p.rulesCommitted >= p.committed(s.config.kafka.topics.repartition),
    'the rules stage to commit every repartitioned event',
    60_000,
  );
  await settled(
    () => p.intentsProduced + p.planningCommitted + p.committed(s.config.kafka.topics.adjustments),
  );
  await waitUntil(() => p.planningCommitted >= p.intentsProduced, 'the planning stage to plan every intent');
}

async function adjustmentKeys(s: Setup): Promise<string[]> {
  const records = await readTopic(s.kafka, s.config.kafka.topics.adjustments, Number.MAX_SAFE_INTEGER, 4_000);
  return records.map((r) => (JSON.parse(r.value ?? '{}') as { key: string }).key).sort();
}

async function deadLetters(s: Setup) {
  return readTopic(s.kafka, s.config.kafka.topics.deadLetter, Number.MAX_SAFE_INTEGER, 4_000);
}

describe('a bursty producer (kcat, one produce call per burst, keyed by trunk id, 3 partitions)', () => {
  for (const minutes of [1, 5, 15]) {
    it(`gets the adjustments plan finds, key for key, from bursts of ${minutes} minute(s) of event time, and no sample late but the one sent late`, async () => {
      const rulesFile = burstRules();
      const lines = goldenEventLines();
      const expected = (await planned(rulesFile, lines)).map((a) => a.key).sort();
      expect(expected.length).toBeGreaterThan(10);

      const s = await setup(rulesFile);
      const { app, fatal } = await startAssembled(s.config, cleanup);
      await produceBursts(
        s.config.kafka.brokers,
        s.config.kafka.topics.events,
        eventTimeBursts(lines, minutes * MIN),
        100,
      );
      await drained(s, app, lines.length);
      expect(fatal()).toBeUndefined();

      expect(await adjustmentKeys(s)).toEqual(expected);
      expect(lateButNotSentLate(await deadLetters(s))).toEqual([]);
    }, 300_000);
  }

  it('gets the adjustments plan finds from a gap filled trunk by trunk, 5 minutes of one trunk per produce call', async () => {
    const rulesFile = burstRules();
    const lines = goldenEventLines();
    const expected = (await planned(rulesFile, lines)).map((a) => a.key).sort();

    const s = await setup(rulesFile);
    const { app, fatal } = await startAssembled(s.config, cleanup);
    const brokers = s.config.kafka.brokers;
    const topic = s.config.kafka.topics.events;
    // the live feed's first hour, minute by minute; then the rest as a bridge fills a gap after an
    // outage, reading each trunk's samples 5 minutes at a time
    const live = lines.slice(0, 30 * 15);
    await produceBursts(brokers, topic, eventTimeBursts(live, MIN), 50);
    await produceBursts(brokers, topic, trunkBursts(lines.slice(live.length), 5 * MIN), 0);
    await drained(s, app, lines.length);
    expect(fatal()).toBeUndefined();

    expect(await adjustmentKeys(s)).toEqual(expected);
    expect(lateButNotSentLate(await deadLetters(s))).toEqual([]);
  }, 300_000);

  it('dead-letters an event stamped 2099 as TR_ERR_EVENT_FUTURE and takes the later events of its group, also after a restart', async () => {
    const rulesFile = burstRules();
    // the first hour of the golden stream: its surge makes 7 adjustments, the last at 01:32Z
    const lines = goldenEventLines().slice(0, 31 * 15);
    const expected = (await planned(rulesFile, lines)).map((a) => a.key).sort();
    expect(expected.length).toBeGreaterThan(3);
    const future = lines[2]!.replace(/"eventTime":"[^"]+"/, '"eventTime":"2099-06-01T09:00:00+08:00"');
    expect(future).toContain('2099-06-01');
    // before the surge, the far-future sample, the surge's start; a restart; the rest
    const first = lines.slice(0, 8 * 15);
    const second = lines.slice(8 * 15, 12 * 15);
    const third = lines.slice(12 * 15);

    const s = await setup(rulesFile);
    const one = await startAssembled(s.config, cleanup);
    const send = (part: readonly string[]) =>
      produceBursts(s.config.kafka.brokers, s.config.kafka.topics.events, eventTimeBursts(part, MIN), 100);
    await send(first);
    await send([future]);
    await send(second);
    await drained(s, one.app, first.length + 1 + second.length);
    expect(one.fatal()).toBeUndefined();
    await one.app.pipeline.stop(Date.now() + 5_000);
    await one.app.close();

    const two = await startAssembled(s.config, cleanup);
    await send(third);
    await drained(s, two.app, lines.length + 1);
    expect(two.fatal()).toBeUndefined();

    const dead = await deadLetters(s);
    const codes = (code: string) => dead.filter((d) => d.headers[DLQ_HEADERS.code] === code);
    expect(codes('TR_ERR_EVENT_FUTURE').map((d) => d.value)).toEqual([future]);
    expect(codes('TR_ERR_EVENT_FUTURE')[0]?.headers[DLQ_HEADERS.message]).toMatch(/2099-06-01T01:00:00Z/);
    expect(codes('TR_ERR_EVENT_LATE')).toEqual([]);
    expect(await adjustmentKeys(s)).toEqual(expected);
  }, 300_000);
});
