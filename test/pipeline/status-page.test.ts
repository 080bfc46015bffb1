import { afterEach, describe, expect, inject, it } from 'vitest';
import type { StatusDocument } from '../../src/observability/status-page.js';
import { freePort, until } from './support/admin-http.js';
import { configFile, type Instance, startInstance } from './support/child.js';
import {
  createTopics,
  goldenEventLines,
  goldenSandbox,
  produceEvents,
  readTopic,
  testConfig,
  testKafka,
} from './support/harness.js';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const TERMINAL = new Set(['applied', 'already-applied', 'rejected', 'dead-lettered']);

async function setup() {
  const { sandbox } = await goldenSandbox();
  cleanup.push(() => sandbox.close());
  const config = testConfig({
    brokers: (inject('kafkaBrokers') as string).split(','),
    sandboxUrl: sandbox.url,
  });
  const kafka = testKafka(config.kafka.brokers);
  const kadmin = kafka.admin();
  await kadmin.connect();
  await createTopics(kadmin, config);
  await kadmin.disconnect();
  const start = async (id: string, role: string) => {
    const port = await freePort();
    const instance: Instance = startInstance(
      configFile({ ...config, admin: { ...config.admin, port } }),
      id,
      role,
    );
    cleanup.push(async () => {
      instance.child.kill('SIGTERM');
      await instance.exited;
    });
    const url = `http://127.0.0.1:${port}`;
    await until(`${id} ready`, async () =>
      (await fetch(`${url}/readyz`)).status === 200 ? true : undefined,
    );
    return { url, instance };
  };
  return { config, kafka, start };
}

/** every golden line but its one undecodable one reaches the rules engine */
const EVALUATED = goldenEventLines().length - 1;

const status = async (url: string) => (await (await fetch(`${url}/status.json`)).json()) as StatusDocument;

/** Σ active calls / Σ capacity of the golden events in the minute starting at `bucket`. */
function goldenUtilization(bucket: number): number {
  let calls = 0;
  let capacity = 0;
  for (const line of goldenEventLines()) {
    const e = JSON.parse(line) as { eventTime?: string; activeCalls?: number; capacity?: number };
    const t = Date.parse(e.eventTime ?? '');
    if (!(t >= bucket && t < bucket + 60_000) || !e.capacity) continue;
    calls += e.activeCalls ?? 0;
    capacity += e.capacity;
  }
  return Math.round((calls / capacity) * 10_000) / 10_000;
}

describe('trunk-reactor run: status page', () => {
  it('shows the utilization it consumed, the rules that fired and every adjustment with its outcome and reason', async () => {
    const { config, kafka, start } = await setup();
    const { url } = await start('status-all', 'all');
    expect((await fetch(`${url}/`)).headers.get('content-type')).toMatch(/^text\/html/);
    await produceEvents(kafka, config.kafka.topics.events, goldenEventLines());

    const doc = await until('every adjustment to reach a terminal outcome', async () => {
      const d = await status(url);
      const settled =
        (d.feed?.done ?? 0) >= EVALUATED &&
        d.counts.adjustments > 0 &&
        d.counts.waiting === 0 &&
        d.latest.length === d.counts.adjustments &&
        d.latest.every((r) => TERMINAL.has(r.status));
      return settled ? d : undefined;
    });
    expect(doc.feed?.label).toBe('kafka');
    expect(doc.feed?.view).toMatch(/role all/);
    expect(doc.killSwitch).toEqual({ engaged: false, reason: undefined });

    const group = doc.groups.find((g) => g.name === 'sg-byoc');
    expect(group?.trunks).toBe(15);
    expect(group!.points.length).toBeGreaterThan(0);
    for (const [bucket, utilization] of group!.points.slice(-5))
      expect(utilization).toBe(goldenUtilization(bucket));
    const fired = group!.rules.filter((r) => r.periods.length > 0);
    expect(fired.length).toBeGreaterThan(0);
    expect(fired[0]!.thresholds.length).toBeGreaterThan(0);

    // each adjustment once, with the outcome the writer published to the outcomes topic
    const published = await readTopic(kafka, config.kafka.topics.outcomes, doc.counts.adjustments);
    const outcomes = new Map(
      published.map((m) => {
        const o = JSON.parse(m.value ?? '{}') as { key: string; status: string };
        return [o.key, o.status];
      }),
    );
    expect(outcomes.size).toBe(doc.counts.adjustments);
    for (const row of doc.latest) {
      expect(row.status).toBe(outcomes.get(row.key));
      expect(row.reason?.text).toBeTruthy();
      expect(typeof row.reason?.threshold).toBe('number');
      expect(row.target).toMatch(/shift|swap/);
    }
  }, 120_000);

  it('split over --role rules and --role writer, each page shows only what its process sees, and says so', async () => {
    const { config, kafka, start } = await setup();
    const rules = await start('status-rules', 'rules');
    const writer = await start('status-writer', 'writer');
    await produceEvents(kafka, config.kafka.topics.events, goldenEventLines());

    const planned = await until('the rules instance to evaluate every event', async () => {
      const d = await status(rules.url);
      return (d.feed?.done ?? 0) >= EVALUATED && d.counts.adjustments > 0 ? d : undefined;
    });
    const written = await until('the writer to finish every adjustment', async () => {
      const d = await status(writer.url);
      const done = d.counts.adjustments === planned.counts.adjustments;
      return done && d.latest.every((r) => TERMINAL.has(r.status)) ? d : undefined;
    });

    expect(planned.feed?.view).toMatch(/role rules.*outcomes are on the writer/);
    expect(planned.groups.find((g) => g.name === 'sg-byoc')?.points.length).toBeGreaterThan(0);
    expect(planned.counts.outcomes).toEqual({});
    expect(new Set(planned.latest.map((r) => r.status))).toEqual(new Set(['planned']));

    expect(written.feed?.view).toMatch(/role writer.*utilization and firings are on the rules/);
    expect(written.groups).toEqual([]);
    expect(new Set(written.latest.map((r) => r.key))).toEqual(new Set(planned.latest.map((r) => r.key)));
    for (const row of written.latest) expect(row.reason?.text).toBeTruthy();
  }, 120_000);
});
