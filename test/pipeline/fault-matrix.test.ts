import { Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { account } from './support/accounting.js';
import { type FaultRun, outageThenRedrive, wfm5xxBursts } from './support/fault-runs.js';
import { brokers } from './support/harness.js';
import { runFaultScenario } from './support/scenario.js';

/**
 * The CI slice of the fault matrix (the whole matrix, kill -9 twenty times included, is
 * `npm run bench:faults`; kill -9, SIGTERM and a broker restart are in kill-restart.test.ts).
 * `trunk-reactor run` as child processes, the golden sandbox over HTTP, a real broker.
 * Every adjustment the rules stage planned must end applied exactly once; the events are
 * all valid, so the rules stage must dead-letter none of them.
 */
const EVENTS = Number(process.env.TR_KILL_EVENTS ?? 10_000);

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
});

async function run(f: FaultRun, seed: number) {
  const r = await runFaultScenario({ events: EVENTS, seed, brokers: brokers(), cleanup, ...f.options });
  const kafka = new Kafka({ clientId: 'fault-matrix', brokers: brokers(), logLevel: logLevel.NOTHING });
  return account({ kafka, config: r.config, ledger: r.ledger });
}

describe('fault matrix, CI slice (child processes, real broker, sandbox over HTTP)', () => {
  it('WFM 5xx bursts, some after the write landed: every adjustment applied once, none lost', async () => {
    const a = await run(wfm5xxBursts(), 21);
    expect(a.expected).toBeGreaterThan(0);
    expect(a.lostKeys).toEqual([]);
    expect(a.appliedTwice).toBe(0);
    expect(a.applied + a.rejected).toBe(a.expected);
    expect(a.eventDeadLetters).toEqual({});
  }, 180_000);

  it('a WFM outage longer than the retry budget dead-letters the adjustments with the reason; redrive applies each once', async () => {
    const a = await run(outageThenRedrive(), 23);
    expect(a.expected).toBeGreaterThan(0);
    expect(a.deadLettered).toBeGreaterThan(0);
    expect(Object.keys(a.deadLetterCodes).every((c) => c.startsWith('TR_ERR_WRITER_'))).toBe(true);
    expect(a.stillDeadLettered).toBe(0);
    expect(a.lostKeys).toEqual([]);
    expect(a.appliedTwice).toBe(0);
    expect(a.applied).toBe(a.expected);
    expect(a.eventDeadLetters).toEqual({});
  }, 180_000);
});
