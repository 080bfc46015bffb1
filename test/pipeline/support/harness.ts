import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { parse, stringify } from 'yaml';
import { assemble } from '../../../src/app/assemble.js';
import { Config } from '../../../src/config/schema.js';
import { createKafka } from '../../../src/kafka/client.js';
import type { KafkaClient } from '../../../src/kafka/port.js';
import { silentLogger } from '../../../src/observability/logger.js';
import type { SandboxOptions } from '../../../src/sandbox/options.js';
import { type RunningSandbox, startSandbox } from '../../../src/sandbox/server.js';
import { parseInstant } from '../../../src/time/instant.js';
import { ScheduleSnapshot } from '../../../src/wfm/snapshot.js';
import { type LedgerEntry, SandboxAdmin } from '../../writer/support/sandbox-admin.js';
import { prefixedTopics } from './topics.js';

export const GOLDEN = new URL('../../golden/apac/', import.meta.url);
/** The golden events start Friday 2026-11-27 09:00 SGT; the sandbox's clock stands there. */
export const GOLDEN_START = parseInstant('2026-11-27T09:00:00+08:00');

export function brokers(): string[] {
  const b = process.env.KAFKA_BROKERS;
  if (!b) throw new Error('KAFKA_BROKERS is not set: the vitest globalSetup starts a broker');
  return b.split(',');
}

/**
 * The golden rules, adjusted for a test and written to a temporary file.
 *
 * - `lateness`: events pre-loaded on several partitions reach a group's owner through the
 *   repartition topic interleaved by partition, not by time (one source partition's whole
 *   backlog may come before another's), so the reorder buffer must span that skew.
 * - `groupScopeOnly`: drops the trunk-scoped rule. One planner plans every intent for a
 *   team, in the order the intents arrive; intents from several source partitions (a
 *   trunk-scoped rule's) arrive in commit order, which differs run to run, so only a team
 *   whose intents come from one source is reproducible (docs/pipeline.md, "Order at the
 *   planner").
 */
export function testRulesFile(o: { lateness?: string; groupScopeOnly?: boolean } = {}): string {
  const doc = parse(readFileSync(new URL('rules.yaml', GOLDEN), 'utf8')) as {
    engine: Record<string, unknown>;
    rules: Array<{ scope: { by: string } }>;
  };
  if (o.lateness) doc.engine.allowedLateness = o.lateness;
  if (o.groupScopeOnly) doc.rules = doc.rules.filter((r) => r.scope.by !== 'trunk');
  const dir = mkdtempSync(join(tmpdir(), 'tr-rules-'));
  const file = join(dir, 'rules.yaml');
  writeFileSync(file, stringify(doc));
  return file;
}

export function goldenSchedule(): ScheduleSnapshot {
  return ScheduleSnapshot.parse(JSON.parse(readFileSync(new URL('schedule.json', GOLDEN), 'utf8')));
}

export function goldenEventLines(): string[] {
  return readFileSync(new URL('events.ndjson', GOLDEN), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
}

/** A config of its own for one test: unique topics and group, the sandbox as WFM. */
export function testConfig(o: {
  brokers: string[];
  sandboxUrl: string;
  partitions?: number;
  name?: string;
  rulesFile?: string;
  /** merged over the test defaults: tighter WFM timeouts, a shorter writer budget, planner reads, an admin port */
  overrides?: {
    wfm?: Record<string, unknown>;
    writer?: Record<string, unknown>;
    planner?: Record<string, unknown>;
    admin?: Record<string, unknown>;
  };
}): Config {
  const id = o.name ?? `t${randomUUID().slice(0, 8)}`;
  return Config.parse({
    kafka: {
      brokers: o.brokers,
      clientId: `tr-${id}`,
      groupId: `tr-${id}`,
      partitions: o.partitions ?? 3,
      sessionTimeoutMs: 6_000,
      transactionTimeoutMs: 30_000,
      topics: prefixedTopics(id),
    },
    wfm: {
      baseUrl: `${o.sandboxUrl}/wfm/api/v2`,
      allowInsecureHttp: true,
      requestsPerMinute: 600_000,
      auth: { kind: 'token', token: { env: 'TR_TEST_WFM_TOKEN' } },
      ...o.overrides?.wfm,
    },
    ...(o.overrides?.writer ? { writer: o.overrides.writer } : {}),
    ...(o.overrides?.planner ? { planner: o.overrides.planner } : {}),
    rules: { files: [o.rulesFile ?? testRulesFile({ lateness: '1h' })], watch: false },
    // several instances run side by side: each admin server takes a free port
    admin: { port: 0, ...o.overrides?.admin },
    log: { level: 'warn' },
    shutdownTimeoutMs: 10_000,
  });
}

/** The golden schedule in a sandbox over HTTP; `options` replace the defaults (a running clock, a publish window). */
export async function goldenSandbox(
  options: Partial<SandboxOptions> = {},
): Promise<{ sandbox: RunningSandbox; admin: SandboxAdmin }> {
  const sandbox = await startSandbox({
    port: 0,
    snapshot: goldenSchedule(),
    clockStart: GOLDEN_START,
    clockFrozen: true,
    ...options,
    behaviour: { rateLimitPerMinute: 0, ...options.behaviour },
  });
  return { sandbox, admin: new SandboxAdmin(sandbox.url) };
}

export function testKafka(list: string[]): Kafka {
  return new Kafka({ clientId: 'tr-test', brokers: list, logLevel: logLevel.NOTHING });
}

/** A client through the project's port (the kafkajs adapter), its log entries dropped. */
export function testClient(list: string[]): KafkaClient {
  const kafka = Config.parse({}).kafka;
  return createKafka({ kafka: { ...kafka, clientId: 'tr-test', brokers: list } });
}

/** Produces lines as events keyed by trunk id (as real producers do), in order. */
export async function produceEvents(kafka: Kafka, topic: string, lines: readonly string[]): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let i = 0; i < lines.length; i += 2_000) {
      await producer.send({
        topic,
        messages: lines.slice(i, i + 2_000).map((value) => ({ key: trunkKey(value), value })),
      });
    }
  } finally {
    await producer.disconnect();
  }
}

function trunkKey(line: string): string {
  return /"trunkId":"([^"]+)"/.exec(line)?.[1] ?? 'unknown';
}

/** Reads every committed message of a topic (a throwaway group), until `count` arrived. */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  count: number,
  timeoutMs = 60_000,
): Promise<Array<{ key: string | null; value: string | null; headers: Record<string, string> }>> {
  const out: Array<{ key: string | null; value: string | null; headers: Record<string, string> }> = [];
  const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
      out.push({ key: message.key?.toString() ?? null, value: message.value?.toString() ?? null, headers });
    },
  });
  const deadline = Date.now() + timeoutMs;
  while (out.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await consumer.disconnect();
  return out;
}

export async function createTopics(admin: Admin, config: Config): Promise<void> {
  const { ensureTopics, pipelineTopics } = await import('../../../src/kafka/topics.js');
  await ensureTopics(admin, pipelineTopics(config.kafka));
}

/**
 * What the WFM applied, one line per changed shift: `kind shiftId adjustment-key`, sorted,
 * duplicates kept. A patch carries its adjustment's key as the idempotency key; a bulk
 * swap request has a key of its own (its batch), so a swap is named by its swapId, which
 * is the adjustment key.
 */
export function appliedWrites(ledger: readonly LedgerEntry[]): string[] {
  return ledger
    .filter((e) => e.kind === 'patch' || e.kind === 'swap')
    .map((e) => `${e.kind} ${e.shiftId} ${e.kind === 'swap' ? e.swapId : e.idempotencyKey}`)
    .sort();
}

export function duplicates(lines: readonly string[]): string[] {
  return lines.filter((l, i) => i > 0 && lines[i - 1] === l);
}

export const quietLogger = silentLogger;
export const TEST_ENV = { TR_TEST_WFM_TOKEN: 'sandbox-token' };

/** Waits until `value()` has not changed for `quietMs` (the pipeline has drained its input). */
export async function settled(value: () => number, quietMs = 3_000, timeoutMs = 120_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = value();
  let since = Date.now();
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    const v = value();
    if (v !== last) {
      last = v;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return v;
  }
  throw new Error(`still changing after ${timeoutMs} ms (last ${last})`);
}

/**
 * `assemble` with role `all` for an in-process test, started: the pipeline stops and the app
 * closes in `cleanup`; `fatal()` is what `onFatal` was told, if anything.
 */
export async function startAssembled(
  config: Config,
  cleanup: Array<() => Promise<void>>,
  logger: Parameters<typeof assemble>[0]['logger'] = quietLogger,
): Promise<{ app: Awaited<ReturnType<typeof assemble>>; fatal: () => unknown }> {
  let fatal: unknown;
  const app = await assemble({
    loaded: { config, secrets: { wfmToken: TEST_ENV.TR_TEST_WFM_TOKEN } },
    role: 'all',
    logger,
    onFatal: (e) => {
      fatal = e;
    },
    maxWaitTimeInMs: 100,
  });
  cleanup.push(() => app.close());
  cleanup.push(() => app.pipeline.stop(Date.now() + 5_000));
  await app.pipeline.start();
  return { app, fatal: () => fatal };
}
