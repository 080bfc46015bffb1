import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { waitUntil } from '../kafka/wait-until.js';
import {
  appliedWrites,
  brokers,
  createTopics,
  goldenSandbox,
  produceEvents,
  startAssembled,
  testConfig,
  testKafka,
} from './support/harness.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
});

/** One trunk-scoped rule extending one shift of team sg-voice when a trunk runs hot. */
function extendRulesFile(): string {
  const doc = {
    version: 1,
    engine: { allowedLateness: '0s' },
    defaults: { zone: 'Asia/Singapore' },
    rules: [
      {
        id: 'trunk-hot-extend',
        scope: { by: 'trunk', where: { trunkGroup: 'sg-byoc' } },
        when: { metric: 'utilization', aggregate: 'last', window: '1m', atLeast: 0.9 },
        cooldown: '1h',
        action: { extend: { team: 'sg-voice', by: '15m', endingWithin: '12h', maxAgents: 1 } },
      },
    ],
  };
  const file = join(mkdtempSync(join(tmpdir(), 'tr-rules-')), 'rules.yaml');
  writeFileSync(file, stringify(doc));
  return file;
}

/**
 * Trunk `trunk` running hot at 09:0<trunk>:00 and :10 SGT, and the trunks before it still
 * reporting at :10: the watermark follows the slowest trunk, so the hot sample at :00 is
 * evaluated once every trunk has reported past it (each trunk a minute later, so none is late
 * after the one before; the earlier trunks' rule is in its cooldown).
 */
function hotEvents(trunk: number): string[] {
  const line = (id: number, second: string) =>
    JSON.stringify({
      schemaVersion: 1,
      trunkId: `sg-byoc-0${id}`,
      trunkGroup: 'sg-byoc',
      region: 'apac',
      site: 'sg1',
      eventTime: `2026-11-27T09:0${trunk}:${second}+08:00`,
      activeCalls: 29,
      capacity: 30,
    });
  const earlier = Array.from({ length: trunk - 1 }, (_, i) => line(i + 1, '10'));
  return [line(trunk, '00'), ...earlier, line(trunk, '10')];
}

/** A logger that keeps what the stages log at info and above. */
function capturingLogger(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s)) });
  return { logger, lines };
}

/**
 * The sandbox with every read answering after 1.5 s — past the client's 500 ms headers
 * timeout, so each attempt fails as a WFM over its timeout does until the latency is taken
 * away — and one instance (role all) on it, one partition per topic, the events of `trunks`
 * produced.
 */
async function slowWfmInstance(trunks: number[], logger?: pino.Logger) {
  const { sandbox, admin } = await goldenSandbox();
  cleanup.push(() => sandbox.close());
  await admin.faults({ latencyMs: 1_500 });
  const config = testConfig({
    brokers: brokers(),
    sandboxUrl: sandbox.url,
    partitions: 1,
    rulesFile: extendRulesFile(),
    overrides: {
      wfm: { headersTimeoutMs: 500 },
      planner: { readTimeoutMs: 1_000, readBudgetMs: 25_000, readBackoffBaseMs: 100, readBackoffCapMs: 500 },
    },
  });
  const kafka = testKafka(config.kafka.brokers);
  const kadmin = kafka.admin();
  await kadmin.connect();
  cleanup.push(() => kadmin.disconnect());
  await createTopics(kadmin, config);
  const produce = (list: number[]) =>
    produceEvents(
      kafka,
      config.kafka.topics.events,
      list.flatMap((t) => hotEvents(t)),
    );
  await produce(trunks);
  const { app, fatal } = await startAssembled(config, cleanup, logger);
  const p = app.pipeline;
  return {
    admin,
    config,
    p,
    fatal,
    produce,
    adjustments: () => p.committed(config.kafka.topics.adjustments),
    /** waits until the sandbox answered `n` more requests (it counts an abandoned one when it answers, late) */
    async readsFailed(n: number, timeoutMs = 20_000): Promise<void> {
      const asked = (await admin.stats()).requests;
      await waitUntil(
        async () => (await admin.stats()).requests >= asked + n,
        `${n} more WFM reads to time out`,
        timeoutMs,
      );
    },
    async intentsTaken(n: number): Promise<void> {
      await waitUntil(
        () => p.planningStats.intents >= n,
        () => `the planning stage to take ${n} intents (the rules stage made ${p.rulesStats.intents})`,
        60_000,
      );
    },
  };
}

describe('planning while the WFM is slow (real broker, sandbox over HTTP)', () => {
  it('the planning stage waits for a WFM slower than its timeouts and plans the intent once it answers, aborting no transaction', async () => {
    const w = await slowWfmInstance([1]);
    const { p } = w;
    await w.intentsTaken(1);
    // the read of sg-voice's schedule fails attempt after attempt meanwhile
    await w.readsFailed(4);
    expect(w.adjustments()).toBe(0);
    expect(p.planningAborted).toBe(0);

    await w.admin.faults({ latencyMs: 0 });
    await waitUntil(
      () => w.adjustments() >= 1,
      'the planning stage to plan the intent once the WFM answers',
      30_000,
    );
    await waitUntil(() => p.writerStats.outcomes >= 1, 'the writer to apply the adjustment', 30_000);
    expect(p.planningAborted).toBe(0);
    expect(p.planningCommitted).toBe(1);
    expect(w.adjustments()).toBe(1);
    expect(appliedWrites(await w.admin.ledger())).toHaveLength(1);
    expect(w.fatal()).toBeUndefined();
  }, 120_000);

  it('an intent that comes while the first waits on the WFM past the session timeout: the stage heartbeats, keeps its partition and plans both', async () => {
    const { logger, lines } = capturingLogger();
    const w = await slowWfmInstance([1], logger);
    const { p } = w;
    await w.intentsTaken(1);
    // the second intent's batch waits behind the first (one planner per team, in order)
    await w.produce([2]);
    await waitUntil(() => p.rulesStats.intents >= 2, 'the rules stage to make the second intent', 30_000);
    // well past the test's 6 s session timeout: about 20 attempts of 500 ms and their pauses
    await w.readsFailed(20, 30_000);
    expect(w.adjustments()).toBe(0);

    await w.admin.faults({ latencyMs: 0 });
    await waitUntil(() => p.planningCommitted >= 2, 'the planning stage to commit both intents', 30_000);
    const assigned = lines.filter((l) => l.stage === 'planning' && l.msg === 'partitions assigned');
    expect(assigned).toHaveLength(1);
    expect(p.planningAborted).toBe(0);
    expect(w.adjustments()).toBeGreaterThanOrEqual(1);
    expect(w.fatal()).toBeUndefined();
  }, 120_000);
});
