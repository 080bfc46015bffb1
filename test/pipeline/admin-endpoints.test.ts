import { afterEach, describe, expect, inject, it } from 'vitest';
import { freePort, until } from './support/admin-http.js';
import { configFile, type Instance, startInstance } from './support/child.js';
import { createTopics, goldenSandbox, testConfig, testKafka } from './support/harness.js';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

describe('trunk-reactor run: admin endpoints', () => {
  it('serves /healthz, turns /readyz ready once consuming with the WFM up, and exports metrics', async () => {
    const { sandbox } = await goldenSandbox();
    cleanup.push(() => sandbox.close());
    const port = await freePort();
    const config = {
      ...testConfig({ brokers: (inject('kafkaBrokers') as string).split(','), sandboxUrl: sandbox.url }),
    };
    config.admin = { ...config.admin, port };
    const kadmin = testKafka(config.kafka.brokers).admin();
    await kadmin.connect();
    await createTopics(kadmin, config);
    await kadmin.disconnect();
    const instance: Instance = startInstance(configFile(config), 'admin-test');
    cleanup.push(async () => {
      instance.child.kill('SIGTERM');
      await instance.exited;
    });
    const base = `http://127.0.0.1:${port}`;
    await until('healthz', async () => ((await fetch(`${base}/healthz`)).ok ? true : undefined));
    await until('readyz', async () => ((await fetch(`${base}/readyz`)).status === 200 ? true : undefined));
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('trunk_reactor_events_consumed_total');
    expect(metrics).toContain('trunk_reactor_wfm_calls_total');
    await sandbox.close();
    await until(
      'not ready without the WFM',
      async () => ((await fetch(`${base}/readyz`)).status === 503 ? true : undefined),
      30_000,
    );
  });
});
