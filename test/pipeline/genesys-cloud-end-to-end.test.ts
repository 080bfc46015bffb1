import { afterEach, describe, expect, it } from 'vitest';
import { assemble } from '../../src/app/assemble.js';
import { startGenesysSandbox } from '../../src/sandbox/genesys-cloud/server.js';
import { plannedAdjustments } from '../inputs/support/plan-reference.js';
import { waitUntil } from '../kafka/wait-until.js';
import {
  brokers,
  createTopics,
  GOLDEN_START,
  goldenEventLines,
  goldenSchedule,
  produceEvents,
  quietLogger,
  readTopic,
  settled,
  testConfig,
  testKafka,
  testRulesFile,
} from './support/harness.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
});

interface LedgerEntry {
  kind: string;
  operationId: string | null;
  userId: string;
  shifts: Array<{ shiftId: string; change: string }>;
}

describe('pipeline end to end into Genesys Cloud (real broker, emulated org over HTTP and WebSocket)', () => {
  it("applies the same adjustments as plan's dry run through upload jobs, each once, with an outcome per adjustment", async () => {
    const sandbox = await startGenesysSandbox({
      port: 0,
      snapshot: goldenSchedule(),
      clockStart: GOLDEN_START,
      clockFrozen: true,
      behaviour: { jobMs: 5, rateLimitPerMinute: 0 },
    });
    cleanup.push(() => sandbox.close());
    const config = testConfig({
      brokers: brokers(),
      sandboxUrl: sandbox.url,
      partitions: 3,
      rulesFile: testRulesFile(),
      overrides: {
        wfm: {
          kind: 'genesys-cloud',
          genesysCloud: {
            apiBaseUrl: sandbox.apiBaseUrl,
            loginBaseUrl: sandbox.loginUrl,
            businessUnitId: 'bu-apac',
            clientId: 'trunk-reactor',
            clientSecret: { env: 'TR_TEST_GENESYS_SECRET' },
          },
        },
      },
    });
    const kafka = testKafka(config.kafka.brokers);
    const kadmin = kafka.admin();
    await kadmin.connect();
    cleanup.push(() => kadmin.disconnect());
    await createTopics(kadmin, config);
    await produceEvents(kafka, config.kafka.topics.events, goldenEventLines());

    let fatal: unknown;
    const app = await assemble({
      loaded: { config, secrets: { wfmClientSecret: 'sandbox-secret' } },
      role: 'all',
      logger: quietLogger,
      onFatal: (e) => {
        fatal = e;
      },
      maxWaitTimeInMs: 100,
    });
    cleanup.push(() => app.close());
    cleanup.push(() => app.pipeline.stop(Date.now() + 5_000));
    await app.pipeline.start();

    const expected = await plannedAdjustments(testRulesFile(), goldenEventLines());
    const produced = () => app.pipeline.committed(config.kafka.topics.adjustments);
    await waitUntil(() => produced() >= expected.length, 'adjustments', 90_000);
    await settled(produced);
    await waitUntil(
      () => app.pipeline.writerStats.outcomes >= produced(),
      () => `outcomes for all ${produced()} adjustments (have ${app.pipeline.writerStats.outcomes})`,
      90_000,
    );
    expect(fatal).toBeUndefined();

    const outcomes = (await readTopic(kafka, config.kafka.topics.outcomes, produced())).map(
      (o) => JSON.parse(o.value ?? '{}') as { key: string; status: string },
    );
    // The same adjustments as plan, key for key: the planner read Genesys as it reads the snapshot.
    expect(outcomes.map((o) => o.key).sort()).toEqual(expected.map((a) => a.key).sort());
    const terminal = outcomes.filter((o) => o.status !== 'deferred');
    expect(terminal.filter((o) => o.status !== 'applied' && o.status !== 'already-applied')).toEqual([]);
    expect(terminal.filter((o) => o.status === 'applied').length).toBeGreaterThan(0);

    // Each upload carried many agents: fewer upload jobs than applied adjustments, and no shift
    // changed by two uploads for one adjustment (each targeted shift edited as often as planned).
    const res = await fetch(`${sandbox.url}/_sandbox/ledger?limit=10000`);
    const ledger = ((await res.json()) as { entries: LedgerEntry[] }).entries.filter(
      (e) => e.kind === 'update',
    );
    const operations = new Set(ledger.map((e) => e.operationId));
    expect(operations.size).toBeLessThan(terminal.filter((o) => o.status === 'applied').length);
    const edits = new Map<string, number>();
    for (const e of ledger)
      for (const s of e.shifts)
        if (s.change === 'edited') edits.set(s.shiftId, (edits.get(s.shiftId) ?? 0) + 1);
    const planned = new Map<string, number>();
    for (const a of expected)
      if (a.kind === 'update') planned.set(a.shiftId, (planned.get(a.shiftId) ?? 0) + 1);
    for (const [shiftId, n] of edits)
      expect(n, `edits of ${shiftId}`).toBeLessThanOrEqual(planned.get(shiftId) ?? 0);
  }, 180_000);
});
