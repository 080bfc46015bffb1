import type { Config } from '../../src/config/schema.js';
import { ensureTopics, pipelineTopics } from '../../src/kafka/topics.js';
import type { GenesysLedgerEntry } from '../../src/sandbox/genesys-cloud/bu-schedules.js';
import type { GenesysState } from '../../src/sandbox/genesys-cloud/model.js';
import type { GenesysSandboxOptions } from '../../src/sandbox/genesys-cloud/options.js';
import { startGenesysSandbox } from '../../src/sandbox/genesys-cloud/server.js';
import { syntheticEvents } from '../../test/pipeline/support/events.js';
import {
  GOLDEN_START,
  goldenSchedule,
  produceEvents,
  testConfig,
  testKafka,
  testRulesFile,
} from '../../test/pipeline/support/harness.js';
import { type ScenarioContextOf, scenarioContext } from '../../test/pipeline/support/scenario.js';
import { terminalKeys } from './genesys-accounting.js';
import { GenesysAdmin } from './genesys-admin.js';

/**
 * A fault scenario against the emulated Genesys Cloud: `trunk-reactor run` child processes
 * configured with `wfm.kind: genesys-cloud` (OAuth client credentials, business unit bu-apac),
 * the same synthetic events, rules and topic layout as the contract runs
 * (test/pipeline/support/scenario.ts), and the golden schedule loaded into the Genesys sandbox
 * (same agents and shift ids). The run is over when the ledger has stopped changing and every
 * adjustment planned has a terminal outcome (or `settleMs` has passed).
 */
export type GenesysScenarioContext = ScenarioContextOf<GenesysAdmin>;

export interface GenesysScenarioOptions {
  events: number;
  seed: number;
  brokers: string[];
  drive(ctx: GenesysScenarioContext): Promise<void>;
  cleanup: Array<() => Promise<void>>;
  /** sandbox options over the bench's (golden schedule, frozen clock at the golden Friday) */
  sandbox?: Partial<GenesysSandboxOptions>;
}

export interface GenesysScenarioRun {
  ledger: GenesysLedgerEntry[];
  /** the org before the run */
  initial: GenesysState;
  /** the org once the run settled */
  state: GenesysState;
  config: Config;
  ctx: GenesysScenarioContext;
}

/** The env var the children read the OAuth client secret from (`clientSecret: {env: …}`). */
export const CLIENT_SECRET_ENV = 'TR_BENCH_GENESYS_CLIENT_SECRET';
const SANDBOX_CLIENT = { id: 'trunk-reactor', secret: 'sandbox-secret' };

/**
 * How long the backend awaits a job's notification before it re-reads the agents: 5 s here
 * (30 s by default), so a lost notification costs a run seconds, not half a minute.
 */
const RESULT_TIMEOUT_MS = 5_000;

export async function runGenesysScenario(o: GenesysScenarioOptions): Promise<GenesysScenarioRun> {
  process.env[CLIENT_SECRET_ENV] = SANDBOX_CLIENT.secret;
  const sandbox = await startGenesysSandbox({
    port: 0,
    snapshot: goldenSchedule(),
    clockStart: GOLDEN_START,
    clockFrozen: true,
    ...o.sandbox,
    // unlimited, as the contract runs' sandbox: a 429 storm is a fault of its own
    behaviour: { rateLimitPerMinute: 0, ...o.sandbox?.behaviour },
  });
  o.cleanup.push(() => sandbox.close());
  const admin = new GenesysAdmin(sandbox.url);
  const initial = await admin.state();
  const config = testConfig({
    brokers: o.brokers,
    sandboxUrl: sandbox.url,
    partitions: 3,
    rulesFile: testRulesFile({ groupScopeOnly: true }),
    overrides: {
      wfm: {
        kind: 'genesys-cloud',
        genesysCloud: {
          apiBaseUrl: sandbox.apiBaseUrl,
          loginBaseUrl: sandbox.loginUrl,
          businessUnitId: 'bu-apac',
          clientId: SANDBOX_CLIENT.id,
          clientSecret: { env: CLIENT_SECRET_ENV },
          uploads: { resultTimeoutMs: RESULT_TIMEOUT_MS },
        },
      },
    },
  });
  await prepare(config);
  const ctx = scenarioContext(config, admin, o.seed, o.cleanup);
  const { instances } = ctx;
  const producing = producePaced(config, o.events);
  await o.drive(ctx);
  await producing;
  await settled(ctx).catch((err) => {
    const last = instances[instances.length - 1];
    throw new Error(`${(err as Error).message}; last instance said:\n${last?.output().slice(-3_000)}`);
  });
  return { ledger: await admin.ledger(), initial, state: await admin.state(), config, ctx };
}

async function prepare(config: Config): Promise<void> {
  const admin = testKafka(config.kafka.brokers).admin();
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

/** The events in 10 slices over ~13 s, as the contract runs produce them. */
async function producePaced(config: Config, count: number): Promise<void> {
  const kafka = testKafka(config.kafka.brokers);
  const events = syntheticEvents(count);
  const slice = Math.ceil(events.length / 10);
  for (let i = 0; i < events.length; i += slice) {
    await produceEvents(kafka, config.kafka.topics.events, events.slice(i, i + slice));
    await sleep(1_300);
  }
}

/**
 * Over when the ledger has not grown for `quietMs` and every adjustment on the adjustments
 * topic has a terminal outcome; a run that never gets there is accounted for as it stands
 * after `timeoutMs` (its adjustments without an outcome count as lost).
 */
async function settled(ctx: GenesysScenarioContext, quietMs = 8_000, timeoutMs = 180_000): Promise<void> {
  const kafka = testKafka(ctx.config.kafka.brokers);
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  let since = Date.now();
  while (Date.now() < deadline) {
    const n = (await ctx.admin.ledger()).length;
    if (n !== last) {
      last = n;
      since = Date.now();
    } else if (n > 0 && Date.now() - since >= quietMs) {
      const t = await terminalKeys(kafka, ctx.config);
      if (t.planned.size > 0 && [...t.planned].every((k) => t.terminal.has(k))) return;
    }
    await sleep(1_000);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
