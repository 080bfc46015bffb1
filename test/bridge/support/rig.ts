import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Kafka, logLevel } from 'kafkajs';
import type { GenesysTrunkBridge } from '../../../src/bridge/genesys-cloud/bridge.js';
import { type BridgeMetrics, createBridgeMetrics } from '../../../src/bridge/genesys-cloud/bridge-metrics.js';
import type { EventSink } from '../../../src/bridge/genesys-cloud/event-outbox.js';
import { bridgeFromConfig } from '../../../src/bridge/genesys-cloud/from-config.js';
import { Config } from '../../../src/config/schema.js';
import { createLogger } from '../../../src/observability/logger.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import {
  type RunningGenesysSandbox,
  startGenesysSandbox,
} from '../../../src/sandbox/genesys-cloud/server.js';
import type { TrunkScenarioOptions } from '../../../src/sandbox/genesys-cloud/trunk-options.js';
import { systemClock } from '../../../src/time/clock.js';
import { readCommitted } from '../../pipeline/support/topic-reader.js';
import { sandboxAdmin } from '../../support/sandbox-admin-http.js';

/**
 * A bridge against the emulated Genesys Cloud (the sandbox's trunks, trunk routes and metrics
 * topics, over real HTTP and WebSocket) writing to a topic of its own on the test broker.
 */
export const CLIENT = { id: 'trunk-reactor', secret: 'sandbox-secret' };

export function brokers(): string[] {
  const b = process.env.KAFKA_BROKERS;
  if (!b) throw new Error('KAFKA_BROKERS is not set: the vitest globalSetup starts a broker');
  return b.split(',');
}

export function testKafka(list = brokers()): Kafka {
  return new Kafka({ clientId: 'tr-bridge-test', brokers: list, logLevel: logLevel.NOTHING });
}

/** Events for `trunks` project trunks, `each` apiece, a second apart, all trunks at the same instants. */
export function eventsFile(trunks: number, each: number, start = Date.parse('2026-11-27T01:00:00Z')): string {
  const dir = mkdtempSync(join(tmpdir(), 'bridge-events-'));
  const file = join(dir, 'events.ndjson');
  const lines: string[] = [];
  for (let k = 0; k < each; k++)
    for (let t = 1; t <= trunks; t++)
      lines.push(
        JSON.stringify({
          schemaVersion: 1,
          trunkId: `sg-byoc-${String(t).padStart(2, '0')}`,
          trunkGroup: 'sg-byoc',
          region: 'apac',
          site: t % 2 === 0 ? 'sg2' : 'sg1',
          labels: { carrier: t % 3 === 0 ? 'starhub' : 'singtel' },
          eventTime: new Date(start + k * 1000).toISOString(),
          activeCalls: (7 * t + 5 * k) % 31,
          capacity: 30,
        }),
      );
  writeFileSync(file, `${lines.join('\n')}\n`);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return file;
}

const cleanups: Array<() => void> = [];

export interface ProducedEntry {
  seq: number;
  trunkId: string;
  trunkBaseId: string;
  trunkBaseName: string;
  eventTime: string;
  inboundCallCount: number;
  outboundCallCount: number;
  delivered: number;
  malformed?: string;
}

export interface MappingEntry {
  trunkId: string;
  trunkGroup: string;
  region: string;
  site: string;
  labels?: Record<string, string>;
  capacity: number;
}

export interface KafkaEvent {
  key: string | null;
  trunkId: string;
  eventTime: string;
  activeCalls: number;
  capacity: number;
  trunkGroup: string;
  site: string;
  labels?: Record<string, string>;
}

export interface Rig {
  sandbox: RunningGenesysSandbox;
  bridge: GenesysTrunkBridge;
  metrics: BridgeMetrics;
  registry: ReturnType<typeof createMetrics>['registry'];
  topic: string;
  /** base id → what the emulation says it is in the events */
  mapping: Record<string, MappingEntry>;
  /** every log line the bridge wrote, parsed */
  logs: Array<{ level: number; msg: string; [k: string]: unknown }>;
  admin<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T>;
  produced(): Promise<ProducedEntry[]>;
  /** every event on the topic, in topic order per partition */
  events(): Promise<KafkaEvent[]>;
  stop(): Promise<void>;
}

export interface RigOptions {
  trunks: TrunkScenarioOptions;
  /** trunk bases (id or name) left out of the mapping */
  omit?: string[];
  /** bridge.genesysCloud settings over the defaults */
  bridge?: Record<string, unknown>;
  /** the Kafka side, instead of the test broker's */
  sink?: EventSink;
  kafkaBrokers?: string[];
  /** do not start the bridge */
  idle?: boolean;
  /** the first reconnect pause after a lost socket, milliseconds (default 200) */
  reconnectMs?: number;
}

const rigs: Rig[] = [];

/** Stops every rig a test started (call from afterEach). */
export async function stopRigs(): Promise<void> {
  await Promise.all(rigs.splice(0).map((r) => r.stop()));
  for (const c of cleanups.splice(0)) c();
}

export async function startRig(o: RigOptions): Promise<Rig> {
  const sandbox = await startGenesysSandbox({ port: 0, trunks: o.trunks });
  const admin = <T>(method: string, path: string, body?: unknown): Promise<T> =>
    sandboxAdmin<T>(sandbox.url, method, path, body);

  const omit = o.omit?.length ? `?omit=${encodeURIComponent(o.omit.join(','))}` : '';
  const { trunks: mapping } = await admin<{ trunks: Record<string, MappingEntry> }>(
    'GET',
    `/trunks/mapping${omit}`,
  );
  const topic = `bridge-${randomUUID()}`;
  const list = o.kafkaBrokers ?? brokers();
  const config = Config.parse({
    kafka: { brokers: list, topics: { events: topic }, partitions: 3 },
    log: { level: 'debug' },
    bridge: {
      genesysCloud: {
        apiBaseUrl: sandbox.apiBaseUrl,
        loginBaseUrl: sandbox.loginUrl,
        allowInsecureHttp: true,
        clientId: CLIENT.id,
        clientSecret: { env: 'BRIDGE_TEST_SECRET' },
        trunks: mapping,
        ...o.bridge,
      },
    },
  });
  const logs: Rig['logs'] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line.trim()) logs.push(JSON.parse(line));
      done();
    },
  });
  const logger = createLogger({ level: 'debug', destination });
  const registry = createMetrics({ defaultMetrics: false }).registry;
  const metrics = createBridgeMetrics(registry);
  const { bridge, http } = bridgeFromConfig(
    { config, secrets: { bridgeClientSecret: CLIENT.secret } },
    {
      clock: systemClock,
      logger,
      metrics,
      ...(o.sink ? { sink: o.sink } : {}),
      // a reconnect pause of a fraction of a second: well inside the scenarios' sample interval
      channels: {
        reconnectBaseMs: o.reconnectMs ?? 200,
        reconnectCapMs: Math.max(2_000, o.reconnectMs ?? 0),
      },
      // a set reconnect pause is taken nearly whole, so a test knows the socket stays down a while
      ...(o.reconnectMs !== undefined ? { random: () => 0.9 } : {}),
    },
  );
  const kafka = testKafka(list);
  let stopped = false;
  const rig: Rig = {
    sandbox,
    bridge,
    metrics,
    registry,
    topic,
    mapping,
    logs,
    admin,
    async produced() {
      return (await admin<{ entries: ProducedEntry[] }>('GET', '/trunks/produced?since=1&limit=1000000'))
        .entries;
    },
    async events() {
      const records = await readCommitted(kafka, topic);
      return records.map((r) => ({ key: r.key, ...(JSON.parse(r.value!) as Omit<KafkaEvent, 'key'>) }));
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await bridge.stop(Date.now() + 10_000);
      await http.close();
      await sandbox.close();
    },
  };
  rigs.push(rig);
  if (!o.idle) await bridge.start();
  return rig;
}

/**
 * What the scenario produced, as the events a bridge should have made of it: one per trunk base
 * and eventTime, its instances' calls summed, under the mapped trunk id. Malformed notifications
 * are left out unless `keepMalformed` (their sample still counts when REST gave it back).
 */
export function expectedEvents(
  produced: readonly ProducedEntry[],
  mapping: Record<string, MappingEntry>,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of produced) {
    const m = mapping[p.trunkBaseId];
    if (!m) continue;
    const key = `${m.trunkId}@${Date.parse(p.eventTime)}`;
    out.set(key, (out.get(key) ?? 0) + p.inboundCallCount + p.outboundCallCount);
  }
  return out;
}

/** The events on the topic as `trunkId@eventTime(ms)` → activeCalls, and the keys seen more than once. */
export function eventsByKey(events: readonly KafkaEvent[]): {
  byKey: Map<string, number>;
  doubled: string[];
} {
  const byKey = new Map<string, number>();
  const doubled: string[] = [];
  for (const e of events) {
    const key = `${e.trunkId}@${Date.parse(e.eventTime)}`;
    if (byKey.has(key)) doubled.push(key);
    byKey.set(key, e.activeCalls);
  }
  return { byKey, doubled };
}

/** Polls until `condition` holds; fails naming `what`. Never a timing assertion. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  what: string | (() => string),
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}
