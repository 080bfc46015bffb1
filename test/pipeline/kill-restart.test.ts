import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.js';
import { ensureTopics, pipelineTopics } from '../../src/kafka/topics.js';
import { configFile, type Instance, kill9, startInstance } from './support/child.js';
import { syntheticEvents } from './support/events.js';
import {
  appliedWrites,
  brokers,
  duplicates,
  goldenSandbox,
  produceEvents,
  testConfig,
  testKafka,
  testRulesFile,
} from './support/harness.js';

/**
 * kill -9 at random points, restart, and the WFM ledger must equal an uninterrupted
 * run's: every adjustment applied once, none lost, none twice. The events topic has one
 * partition so the group's events reach the repartition topic in one order in every run
 * (see docs/pipeline.md, "event-time skew"); adjustments, repartition and state have 3.
 */
const EVENTS = Number(process.env.TR_KILL_EVENTS ?? 10_000);
const KILLS = Number(process.env.TR_KILLS ?? 3);

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
});

async function prepare(config: Config): Promise<void> {
  const kafka = testKafka(config.kafka.brokers);
  const admin = kafka.admin();
  await admin.connect();
  try {
    const specs = pipelineTopics(config.kafka).map((s) =>
      s.topic === config.kafka.topics.events ? { ...s, partitions: 1 } : s,
    );
    await ensureTopics(admin, specs);
  } finally {
    await admin.disconnect();
  }
}

/** Produces the events in 10 slices over ~13 s, so the kills land while events flow. */
async function producePaced(config: Config): Promise<void> {
  const kafka = testKafka(config.kafka.brokers);
  const events = syntheticEvents(EVENTS);
  const slice = Math.ceil(events.length / 10);
  for (let i = 0; i < events.length; i += slice) {
    await produceEvents(kafka, config.kafka.topics.events, events.slice(i, i + slice));
    await new Promise((r) => setTimeout(r, 1_300));
  }
}

/** Waits until the ledger stops growing for `quietMs`, while the instances live. */
async function ledgerSettled(read: () => Promise<unknown[]>, quietMs: number, timeoutMs = 150_000) {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  let since = Date.now();
  while (Date.now() < deadline) {
    const n = (await read()).length;
    if (n !== last) {
      last = n;
      since = Date.now();
    } else if (n > 0 && Date.now() - since >= quietMs) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the ledger kept changing (or stayed empty) for ${timeoutMs} ms`);
}

async function run(kills: number, seed: number): Promise<string[]> {
  const { sandbox, admin } = await goldenSandbox();
  cleanup.push(() => sandbox.close());
  const config = testConfig({
    brokers: brokers(),
    sandboxUrl: sandbox.url,
    partitions: 3,
    // one events partition: arrival order is event-time order, the golden 30s lateness is
    // enough; group-scoped rules only: one planner for the team, so runs are comparable
    rulesFile: testRulesFile({ groupScopeOnly: true }),
  });
  await prepare(config);
  const file = configFile(config);
  let rnd = seed;
  const random = () => {
    rnd = (rnd * 1103515245 + 12345) % 2147483648;
    return rnd / 2147483648;
  };
  let current: Instance = startInstance(file, 'i0');
  cleanup.push(() => kill9(current));
  const producing = producePaced(config);
  for (let k = 1; k <= kills; k++) {
    // somewhere while events are still being produced and processed
    await new Promise((r) => setTimeout(r, 1_000 + random() * 3_000));
    await kill9(current);
    current = startInstance(file, `i${k}`);
  }
  await producing;
  await ledgerSettled(() => admin.ledger(), 8_000).catch((err) => {
    throw new Error(`${(err as Error).message}; last instance said:\n${current.output().slice(-3_000)}`);
  });
  return appliedWrites(await admin.ledger());
}

describe('crash safety (child processes, real broker, sandbox over HTTP)', () => {
  it(`kill -9 at random points during a ${EVENTS}-event run leaves the ledger of an uninterrupted run`, async () => {
    const reference = await run(0, 1);
    const killed = await run(KILLS, 7);
    expect(reference.length).toBeGreaterThan(0);
    expect(duplicates(killed)).toEqual([]);
    expect(killed).toEqual(reference);
  }, 280_000);
});
