import type { Config } from '../../../src/config/schema.js';
import { ensureTopics, pipelineTopics } from '../../../src/kafka/topics.js';
import type { SandboxOptions } from '../../../src/sandbox/options.js';
import type { LedgerEntry, SandboxAdmin } from '../../writer/support/sandbox-admin.js';
import { configFile, type Instance, kill9, startInstance } from './child.js';
import { syntheticEvents } from './events.js';
import {
  appliedWrites,
  goldenSandbox,
  produceEvents,
  testConfig,
  testKafka,
  testRulesFile,
} from './harness.js';

/**
 * A fault scenario: `trunk-reactor run` instances as child processes against the golden
 * sandbox, while `events` synthetic events are produced in 10 slices over ~13 s. The
 * result is the sandbox's ledger once it stops changing, to compare with an
 * uninterrupted run's.
 *
 * The events topic has one partition, so the group's events reach the repartition topic
 * in one order in every run; adjustments, repartition and state have 3. Group-scoped
 * rules only: one planner for the team (docs/pipeline.md, "one planner per team").
 */
/** What a scenario's `drive` works with, whichever sandbox it runs against (`A`: that sandbox's admin API). */
export interface ScenarioContextOf<A> {
  config: Config;
  file: string;
  /** starts an instance (all stages, or one `--role`) and keeps it for cleanup */
  start(id: string, role?: 'all' | 'rules' | 'writer'): Instance;
  /** every instance started, in order */
  instances: Instance[];
  random(): number;
  /** the sandbox's admin API: faults, behaviour, clock, ledger */
  admin: A;
}

export type ScenarioContext = ScenarioContextOf<SandboxAdmin>;

/**
 * The context of a scenario over `config` (written to a file for the instances): instances
 * started are killed at cleanup; `random` is a seeded LCG, so a seed replays a run's choices.
 */
export function scenarioContext<A>(
  config: Config,
  admin: A,
  seed: number,
  cleanup: Array<() => Promise<void>>,
): ScenarioContextOf<A> {
  const file = configFile(config);
  let rnd = seed;
  const instances: Instance[] = [];
  return {
    config,
    file,
    instances,
    admin,
    random: () => {
      rnd = (rnd * 1103515245 + 12345) % 2147483648;
      return rnd / 2147483648;
    },
    start(id, role) {
      const i = startInstance(file, id, role);
      instances.push(i);
      cleanup.push(() => kill9(i));
      return i;
    },
  };
}

export interface ScenarioOptions {
  events: number;
  seed: number;
  /** another broker than the test run's (the broker-restart scenario) */
  brokers: string[];
  /** drives the instances while the events are produced */
  drive(ctx: ScenarioContext): Promise<void>;
  cleanup: Array<() => Promise<void>>;
  /** sandbox options over the golden defaults (a running clock, a publish window) */
  sandbox?: Partial<SandboxOptions>;
  /** config overrides (WFM timeouts, the writer's budget) */
  overrides?: Parameters<typeof testConfig>[0]['overrides'];
  /** runs once the ledger has settled (a redrive); the ledger must settle again after it */
  after?(ctx: ScenarioContext): Promise<void>;
}

export interface ScenarioRun {
  /** the ledger's applied writes, as `appliedWrites` gives them */
  writes: string[];
  ledger: LedgerEntry[];
  config: Config;
  ctx: ScenarioContext;
}

export async function runScenario(o: ScenarioOptions): Promise<string[]> {
  return (await runFaultScenario(o)).writes;
}

/** runScenario, with everything a fault run needs to account for its adjustments. */
export async function runFaultScenario(o: ScenarioOptions): Promise<ScenarioRun> {
  const { sandbox, admin } = await goldenSandbox(o.sandbox);
  o.cleanup.push(() => sandbox.close());
  const config = testConfig({
    brokers: o.brokers,
    sandboxUrl: sandbox.url,
    partitions: 3,
    rulesFile: testRulesFile({ groupScopeOnly: true }),
    ...(o.overrides ? { overrides: o.overrides } : {}),
  });
  await prepare(config);
  const ctx = scenarioContext(config, admin, o.seed, o.cleanup);
  const { instances } = ctx;
  const producing = producePaced(config, o.events);
  await o.drive(ctx);
  await producing;
  // before an `after` step (a redrive) the ledger may rightly be empty: everything dead-lettered
  const settle = (requireWrites: boolean) =>
    ledgerSettled(() => admin.ledger(), 8_000, requireWrites).catch((err) => {
      const last = instances[instances.length - 1];
      throw new Error(`${(err as Error).message}; last instance said:\n${last?.output().slice(-3_000)}`);
    });
  await settle(!o.after);
  if (o.after) {
    await o.after(ctx);
    await settle(true);
  }
  const ledger = await admin.ledger();
  return { writes: appliedWrites(ledger), ledger, config, ctx };
}

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

/**
 * Produces the events in 10 slices over ~13 s, so faults land while events flow. A slice
 * that fails (the broker is restarting) is sent again: a sample sent twice is refused as
 * a duplicate by the engine, so it changes nothing.
 */
async function producePaced(config: Config, count: number): Promise<void> {
  const kafka = testKafka(config.kafka.brokers);
  const events = syntheticEvents(count);
  const slice = Math.ceil(events.length / 10);
  for (let i = 0; i < events.length; i += slice) {
    for (let attempt = 0; ; attempt++) {
      try {
        await produceEvents(kafka, config.kafka.topics.events, events.slice(i, i + slice));
        break;
      } catch (err) {
        if (attempt >= 20) throw err;
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
    await new Promise((r) => setTimeout(r, 1_300));
  }
}

/** Waits until the ledger stops growing for `quietMs`, while the instances live. */
async function ledgerSettled(
  read: () => Promise<unknown[]>,
  quietMs: number,
  requireWrites: boolean,
  timeoutMs = 150_000,
) {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  let since = Date.now();
  while (Date.now() < deadline) {
    const n = (await read()).length;
    if (n !== last) {
      last = n;
      since = Date.now();
    } else if ((n > 0 || !requireWrites) && Date.now() - since >= quietMs) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the ledger kept changing (or stayed empty) for ${timeoutMs} ms`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
