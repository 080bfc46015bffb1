import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  freePortPair,
  restartLocalBroker,
  startLocalBroker,
  stopLocalBroker,
} from '../kafka/local-broker.js';
import { type Instance, kill9 } from './support/child.js';
import { brokers, duplicates } from './support/harness.js';
import { runScenario, sleep } from './support/scenario.js';

/**
 * Crash safety, with `trunk-reactor run` as child processes: whatever happens to the
 * instances or the broker mid-run, the WFM ledger must equal an uninterrupted run's —
 * every adjustment applied once, none lost, none twice.
 */
const EVENTS = Number(process.env.TR_KILL_EVENTS ?? 10_000);
const KILLS = Number(process.env.TR_KILLS ?? 3);

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
});

let reference: string[] = [];
beforeAll(async () => {
  const own: Array<() => Promise<void>> = [];
  try {
    reference = await runScenario({
      events: EVENTS,
      seed: 1,
      brokers: brokers(),
      cleanup: own,
      drive: async (ctx) => {
        ctx.start('ref');
      },
    });
  } finally {
    for (const c of own.reverse()) await c().catch(() => {});
  }
}, 180_000);

describe('crash safety (child processes, real broker, sandbox over HTTP)', () => {
  it(`kill -9 at random points during a ${EVENTS}-event run leaves the ledger of an uninterrupted run`, async () => {
    const killed = await runScenario({
      events: EVENTS,
      seed: 7,
      brokers: brokers(),
      cleanup,
      drive: async (ctx) => {
        let current = ctx.start('i0');
        for (let k = 1; k <= KILLS; k++) {
          // somewhere while events are still being produced and processed
          await sleep(1_000 + ctx.random() * 3_000);
          await kill9(current);
          current = ctx.start(`i${k}`);
        }
      },
    });
    expect(reference.length).toBeGreaterThan(0);
    expect(duplicates(killed)).toEqual([]);
    expect(killed).toEqual(reference);
  }, 180_000);

  it('three instances, one killed mid-run: the other two take its partitions over, same ledger', async () => {
    const result = await runScenario({
      events: EVENTS,
      seed: 11,
      brokers: brokers(),
      cleanup,
      drive: async (ctx) => {
        const [, victim] = [ctx.start('a'), ctx.start('b'), ctx.start('c')];
        await sleep(3_000 + ctx.random() * 3_000);
        await kill9(victim);
      },
    });
    expect(duplicates(result)).toEqual([]);
    expect(result).toEqual(reference);
  }, 180_000);

  it('SIGTERM mid-run: the instance commits, hands back and exits 0 within shutdownTimeoutMs; a restart finishes the work', async () => {
    let exit: { code: number | null; ms: number; bound: number } | undefined;
    const result = await runScenario({
      events: EVENTS,
      seed: 13,
      brokers: brokers(),
      cleanup,
      drive: async (ctx) => {
        const first = ctx.start('t0');
        await sleep(5_000);
        const t = Date.now();
        first.child.kill('SIGTERM');
        const code = await first.exited;
        exit = { code, ms: Date.now() - t, bound: ctx.config.shutdownTimeoutMs };
        ctx.start('t1');
      },
    });
    expect(exit?.code).toBe(0);
    // the process's own bound plus the 1 s it allows sockets to close
    expect(exit?.ms).toBeLessThan((exit?.bound ?? 0) + 2_000);
    expect(duplicates(result)).toEqual([]);
    expect(result).toEqual(reference);
  }, 180_000);

  it('the broker restarted mid-run: the pipeline recovers by itself (no process restart), same ledger', async () => {
    const port = await freePortPair();
    const broker = await startLocalBroker(port);
    cleanup.push(() => stopLocalBroker(port, { purge: true }));
    let only: Instance | undefined;
    const result = await runScenario({
      events: EVENTS,
      seed: 17,
      brokers: [broker.brokers],
      cleanup,
      drive: async (ctx) => {
        only = ctx.start('r0');
        await sleep(4_000);
        await restartLocalBroker(port);
      },
    });
    // the same process did all the work: it neither crashed nor exited
    // on failure: the fatal log lines (kafkajs' reconnect noise follows them), then the tail
    const said = only?.output() ?? '';
    const fatal = said.split('\n').filter((l) => /"level":(50|60)/.test(l) && !/ECONNREFUSED/.test(l));
    expect(only?.child.exitCode, `${fatal.slice(-10).join('\n')}\n…\n${said.slice(-1_000)}`).toBeNull();
    expect(only?.child.signalCode).toBeNull();
    expect(duplicates(result)).toEqual([]);
    expect(result).toEqual(reference);
  }, 180_000);
});
