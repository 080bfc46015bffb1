import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetch } from 'undici';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type RunningGenesysSandbox, startGenesysSandbox } from '../../src/sandbox/genesys-cloud/server.js';
import type { TrunkScenarioOptions } from '../../src/sandbox/genesys-cloud/trunk-options.js';
import { readCommitted } from '../pipeline/support/topic-reader.js';
import { cli } from '../support/cli.js';
import { sandboxAdminRequest } from '../support/sandbox-admin-http.js';
import { type BridgeProcess, startBridgeProcess } from './support/bridge-process.js';
import {
  brokers,
  CLIENT,
  eventsByKey,
  eventsFile,
  expectedEvents,
  type MappingEntry,
  testKafka,
  waitUntil,
} from './support/rig.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function sandbox(trunks: TrunkScenarioOptions): Promise<RunningGenesysSandbox> {
  const s = await startGenesysSandbox({ port: 0, trunks });
  cleanup.push(() => s.close());
  return s;
}

async function admin<T>(s: RunningGenesysSandbox, method: string, path: string, body?: unknown): Promise<T> {
  return (await sandboxAdminRequest<T>(s.url, method, path, body)).body;
}

function bridgeConfig(s: RunningGenesysSandbox, trunks: Record<string, MappingEntry>, topic: string) {
  return {
    kafka: { brokers: brokers(), topics: { events: topic }, partitions: 3 },
    admin: { host: '127.0.0.1' },
    log: { level: 'info', pretty: false },
    bridge: {
      genesysCloud: {
        apiBaseUrl: s.apiBaseUrl,
        loginBaseUrl: s.loginUrl,
        allowInsecureHttp: true,
        clientId: CLIENT.id,
        clientSecret: { env: 'GENESYS_BRIDGE_CLIENT_SECRET' },
        trunks,
        adminPort: 0,
      },
    },
  };
}

describe('trunk-reactor bridge genesys-cloud', () => {
  it('--check lists each trunk base against the mapping, with an entry to fill in for the unmapped, and exits 1', async () => {
    const s = await sandbox({ eventsFile: eventsFile(3, 1) });
    const { trunks } = await admin<{ trunks: Record<string, MappingEntry> }>(
      s,
      'GET',
      '/trunks/mapping?omit=sg-byoc-03',
    );
    const dir = mkdtempSync(join(tmpdir(), 'bridge-cli-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'bridge.yaml');
    writeFileSync(file, JSON.stringify(bridgeConfig(s, trunks, 'unused')));
    vi.stubEnv('GENESYS_BRIDGE_CLIENT_SECRET', CLIENT.secret);
    cleanup.push(() => {
      vi.unstubAllEnvs();
    });
    const r = await cli(['bridge', 'genesys-cloud', '--config', file, '--check']);
    expect(r.code, r.err).toBe(1);
    const lines = r.out.split('\n');
    expect(lines[0]).toBe('3 BYOC trunk bases (trunkType EXTERNAL):');
    expect(lines.filter((l) => l.startsWith('  ✓'))).toHaveLength(2);
    expect(lines.find((l) => l.startsWith('  ✗'))).toMatch(
      /^ {2}✗ sg-byoc-03 \[[0-9a-f-]{36}\], 2 instances → unmapped/,
    );
    expect(r.out).toContain('  "sg-byoc-03": { trunkId: CHANGE-ME, capacity: 30 }');
    expect(r.out).not.toContain('Genesys Cloud - CDM WebRTC Phone Trunk');
  });

  it('serves as its own process: ready once its channels are open and Kafka takes events, then sends, and stops on SIGTERM without a secret in its log', async () => {
    const s = await sandbox({ eventsFile: eventsFile(2, 3) });
    const { trunks } = await admin<{ trunks: Record<string, MappingEntry> }>(s, 'GET', '/trunks/mapping');
    const topic = `bridge-cli-${randomUUID()}`;
    const p: BridgeProcess = await startBridgeProcess({
      config: bridgeConfig(s, trunks, topic),
      env: { GENESYS_BRIDGE_CLIENT_SECRET: CLIENT.secret },
    });
    cleanup.push(async () => {
      await p.stop(5_000);
    });
    expect((await fetch(`${p.adminUrl}/healthz`)).status).toBe(200);
    await waitUntil(
      async () => (await fetch(`${p.adminUrl}/readyz`)).status === 200,
      () => `/readyz 200:\n${p.output()}`,
    );
    await admin(s, 'POST', '/trunks/play', { speed: 1_000 });
    const produced = await (async () => {
      await waitUntil(
        async () =>
          (await admin<{ playback: { state: string } }>(s, 'GET', '/trunks/state')).playback.state ===
          'finished',
        'the scenario played',
      );
      return (
        await admin<{ entries: Parameters<typeof expectedEvents>[0] }>(
          s,
          'GET',
          '/trunks/produced?since=1&limit=1000',
        )
      ).entries;
    })();
    const expected = expectedEvents(produced, trunks);
    const metric = async () => {
      const text = await (await fetch(`${p.adminUrl}/metrics`)).text();
      return Number(/^trunk_reactor_bridge_events_produced_total (\d+)/m.exec(text)?.[1] ?? 0);
    };
    await waitUntil(async () => (await metric()) >= expected.size, 'the events produced, by /metrics');
    expect(await p.stop()).toBe(0);
    const got = eventsByKey(
      (await readCommitted(testKafka(), topic)).map((r) => ({ key: r.key, ...JSON.parse(r.value!) })),
    );
    expect(got.doubled).toEqual([]);
    expect(Object.fromEntries(got.byKey)).toEqual(Object.fromEntries(expected));
    expect(p.output()).not.toContain(CLIENT.secret);
    expect(p.output()).not.toMatch(/Bearer [A-Za-z0-9]/);
    expect(p.logs.some((l) => l.msg === 'stopped')).toBe(true);
  });
});
