import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { restartLocalBroker } from '../../kafka/local-broker.js';
import { kill9 } from './child.js';
import { GOLDEN_START, TEST_ENV, testKafka } from './harness.js';
import { type ScenarioContext, type ScenarioOptions, sleep } from './scenario.js';

/**
 * The fault matrix: one entry per fault of issue #7, each a scenario of `trunk-reactor run`
 * child processes against the golden sandbox over HTTP and a real broker. `bench/faults.ts`
 * runs them all (kill -9 twenty times and more); `test/pipeline/fault-matrix.test.ts` runs
 * a few in CI. A scenario's events are produced over ~13 s; WFM faults start with the
 * first instance and end before the run settles, so every run must finish its work.
 */
export interface FaultRun {
  name: string;
  /** how the fault is made, for the docs table */
  how: string;
  /** the ledger must equal an uninterrupted run's (false where the fault legitimately changes it) */
  comparable: boolean;
  options: Pick<ScenarioOptions, 'drive' | 'after' | 'sandbox' | 'overrides'>;
  /** what happened that a reader should know, once the run is over (when the kill landed) */
  note?(): string;
}

const WFM_TIMEOUTS = { headersTimeoutMs: 1_000, bodyTimeoutMs: 1_000 };
/**
 * WFM faults last this long from the first instance's start: the run's few WFM requests
 * (planner reads and ~8 writes) fall anywhere in it, and a fault that misses them proves
 * nothing — bench:faults prints what the WFM saw of each fault.
 */
const FAULT_MS = 24_000;

async function forSeconds(on: () => Promise<unknown>, off: () => Promise<unknown>, ms: number) {
  await on();
  await sleep(ms);
  await off();
}

export function wfm5xxBursts(): FaultRun {
  return {
    name: 'WFM 5xx bursts',
    how: 'from the start, six bursts of 3 s, 1 s apart: 40% of requests answered 500/503 before any work, 20% of writes applied then answered 500',
    comparable: true,
    options: {
      drive: async (ctx) => {
        ctx.start('i0');
        for (let b = 0; b < 6; b++) {
          await forSeconds(
            () => ctx.admin.faults({ errorRate: 0.4, errorAfterWriteRate: 0.2 }),
            () => ctx.admin.faults({ errorRate: 0, errorAfterWriteRate: 0 }),
            3_000,
          );
          await sleep(1_000);
        }
      },
    },
  };
}

export function wfmTimeouts(): FaultRun {
  return {
    name: 'WFM timeouts',
    how: 'for the first 24 s every request waits 0–2.5 s before the sandbox handles it; the client gives up after 1 s (the write may still land)',
    comparable: true,
    options: {
      overrides: { wfm: WFM_TIMEOUTS },
      drive: async (ctx) => {
        ctx.start('i0');
        await forSeconds(
          () => ctx.admin.faults({ latencyJitterMs: 2_500 }),
          () => ctx.admin.faults({ latencyJitterMs: 0 }),
          FAULT_MS,
        );
      },
    },
  };
}

export function connectionResets(): FaultRun {
  return {
    name: 'connection resets',
    how: 'for the first 24 s, 30% of requests have their connection destroyed without an answer',
    comparable: true,
    options: {
      drive: async (ctx) => {
        ctx.start('i0');
        await forSeconds(
          () => ctx.admin.faults({ resetRate: 0.3 }),
          () => ctx.admin.faults({ resetRate: 0 }),
          FAULT_MS,
        );
      },
    },
  };
}

export function rateLimitStorm(): FaultRun {
  return {
    name: '429 storm',
    how: 'for the first 24 s the sandbox allows 60 requests/min with a burst of 3 (the client budgets 600,000/min): most requests get 429 with Retry-After',
    comparable: true,
    options: {
      drive: async (ctx) => {
        ctx.start('i0');
        await forSeconds(
          () => ctx.admin.behaviour({ rateLimitPerMinute: 60, rateLimitBurst: 3 }),
          () => ctx.admin.behaviour({ rateLimitPerMinute: 0 }),
          FAULT_MS,
        );
      },
    },
  };
}

/**
 * The window opens 2 s after the sandbox starts (sandbox clock 09:01 SGT on the golden
 * Friday), before the first write, and lasts a minute: every write of the run meets it.
 */
export function publishWindow(): FaultRun {
  const opens = GOLDEN_START + 60_000;
  return {
    name: 'publish window',
    how: "the sandbox's weekly publish window set to Friday 09:01 SGT for 1 minute, its clock running from 09:00:58: writes to the week get 409 SCHEDULE_LOCKED with Retry-After, the publish job bumps every version",
    comparable: true,
    options: {
      sandbox: {
        clockStart: opens - 2_000,
        clockFrozen: false,
        publishWindow: { dayOfWeek: 5, time: '09:01', zone: 'Asia/Singapore', durationMinutes: 1 },
      },
      drive: async (ctx) => {
        ctx.start('i0');
        while ((await ctx.admin.clock()).nowMs < opens + 60_000 + 3_000) await sleep(1_000);
      },
    },
  };
}

export function versionRaces(): FaultRun {
  return {
    name: 'version races',
    how: "for the first 24 s the sandbox's other-integration mutator rewrites 500 random shifts a second (26 shifts in all, so each about 19 times a second), bumping versions between the writer's reads and writes",
    comparable: true,
    options: {
      drive: async (ctx) => {
        ctx.start('i0');
        await forSeconds(
          () => ctx.admin.faults({ mutatorPerSecond: 500 }),
          () => ctx.admin.faults({ mutatorPerSecond: 0 }),
          FAULT_MS,
        );
      },
    },
  };
}

export function brokerRestart(brokerPort: number): FaultRun {
  return {
    name: 'broker restart',
    how: 'the Kafka broker stopped (SIGTERM) and started again on the same data 4 s into the run; the instance recovers without a restart',
    comparable: true,
    options: {
      drive: async (ctx) => {
        ctx.start('r0');
        await sleep(4_000);
        await restartLocalBroker(brokerPort);
      },
    },
  };
}

/** kill -9 of the only instance at a random point of the run, then a fresh instance. */
export function kill9AtRandom(run: number): FaultRun {
  let killedAfterMs = 0;
  return {
    name: `kill -9 #${run}`,
    how: 'SIGKILL of the only `trunk-reactor run` 1–13 s into the run (uniform, seeded), a new instance started at once',
    comparable: true,
    options: {
      drive: async (ctx) => {
        const first = ctx.start('k0');
        killedAfterMs = 1_000 + ctx.random() * 12_000;
        await sleep(killedAfterMs);
        await kill9(first);
        ctx.start('k1');
      },
    },
    note: () => `killed ${(killedAfterMs / 1000).toFixed(1)} s after start`,
  };
}

/**
 * A WFM outage longer than the writer's budget (4 s per adjustment here). The rules stage
 * cannot plan without reading the schedule, so it waits out an outage (each failed plan
 * aborts its transaction and the batch is redelivered); to put adjustments in front of a
 * WFM that is down, an instance with `--role rules` plans them all first. Then every WFM
 * request fails for 20 s while an instance with `--role writer` starts: the adjustments
 * are dead-lettered with the reason. Once the WFM is back, `trunk-reactor redrive` sends
 * them back and the writer applies them, each once.
 */
export function outageThenRedrive(): FaultRun {
  return {
    name: 'WFM outage > retry budget, then redrive',
    how: '`--role rules` plans every adjustment; then every WFM request answered 500/503 for 20 s while a `--role writer` instance starts (writer budget 4 s); then `trunk-reactor redrive --config F`',
    comparable: true,
    options: {
      overrides: { writer: { attemptBudgetMs: 4_000 } },
      drive: async (ctx) => {
        ctx.start('rules', 'rules');
        await topicSettled(ctx, ctx.config.kafka.topics.adjustments, 6_000);
        await ctx.admin.faults({ errorRate: 1 });
        ctx.start('writer', 'writer');
        await sleep(20_000);
        await ctx.admin.faults({ errorRate: 0 });
      },
      after: async (ctx) => {
        const r = await redrive(ctx.file);
        if (r.code !== 0) throw new Error(`trunk-reactor redrive exited ${r.code}:\n${r.output}`);
      },
    },
  };
}

/** Waits until a topic has records and its end offsets stayed the same for `quietMs`. */
async function topicSettled(ctx: ScenarioContext, topic: string, quietMs: number, timeoutMs = 120_000) {
  const admin = testKafka(ctx.config.kafka.brokers).admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    let since = Date.now();
    while (Date.now() < deadline) {
      const offsets = await admin.fetchTopicOffsets(topic);
      const now = offsets.map((p) => p.high).join(',');
      if (now !== last) {
        last = now;
        since = Date.now();
      } else if (offsets.some((p) => p.high !== '0') && Date.now() - since >= quietMs) return;
      await sleep(500);
    }
    throw new Error(`${topic} kept changing (or stayed empty) for ${timeoutMs} ms`);
  } finally {
    await admin.disconnect();
  }
}

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** `trunk-reactor redrive --config F` as its own process, as an operator runs it. */
export function redrive(file: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'redrive', '--config', file], {
    cwd: root,
    env: { ...process.env, ...TEST_ENV },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => {
    output += String(d);
  });
  child.stderr.on('data', (d) => {
    output += String(d);
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}
