import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { type DemoOptions, type DemoSummary, runDemo } from '../../src/demo/demo-run.js';
import type { DemoWfm } from '../../src/demo/demo-wfm.js';
import { summaryTable } from '../../src/demo/summary.js';
import { finalShifts } from './support/final-shifts.js';

const files = {
  rulesFile: 'config/rules.apac.yaml',
  scheduleFile: 'config/demo/apac-schedule.json',
  eventsFile: 'config/demo/apac-events.ndjson',
};

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The Genesys Cloud demo with the other integration racing half the writes, and the org it wrote to. */
async function demo(o: Partial<DemoOptions> = {}): Promise<{ s: DemoSummary; wfm: DemoWfm }> {
  let wfm: DemoWfm | undefined;
  const s = await runDemo({
    ...files,
    wfm: 'genesys-cloud',
    otherIntegrationShare: 0.5,
    progress: () => {},
    onWfm: (w) => {
      wfm = w;
    },
    ...o,
  });
  if (!wfm) throw new Error('the demo never said which WFM it started');
  return { s, wfm };
}

const finalKeys = (s: DemoSummary) =>
  new Set(s.outcomeRecords.filter((r) => r.status !== 'deferred').map((r) => r.key));

const allAgents = (): string[] =>
  (JSON.parse(readFileSync(files.scheduleFile, 'utf8')) as { agents: Array<{ id: string }> }).agents
    .map((a) => a.id)
    .sort();

/** `trunk-reactor demo …` as a user runs it, with `brokers` in KAFKA_BROKERS (none: unset). */
async function cli(args: string[], brokers?: string): Promise<{ code: number | null; stderr: string }> {
  const env = { ...process.env };
  delete env.KAFKA_BROKERS;
  if (brokers !== undefined) env.KAFKA_BROKERS = brokers;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'demo', ...args], {
    cwd: root,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += String(d);
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stderr };
}

describe('the demo from emulated Genesys Cloud trunk metrics, through the bridge and Kafka', () => {
  it('tells the in-process Genesys Cloud story: the same adjustments applied to the same agent schedules, the events made by the bridge from the org’s trunk metrics, the samples a dropped socket missed brought back from REST', async () => {
    const brokers = (inject('kafkaBrokers') as string).split(',');
    const progress: Array<[number, number]> = [];
    const bridged = await demo({
      trunkMetrics: 'genesys-cloud',
      kafka: { brokers },
      progress: (done, total) => progress.push([done, total]),
    });
    const memory = await demo();
    const b = bridged.s;
    const m = memory.s;

    expect(b.source).toBe('genesys-cloud');
    expect(b.kafka?.deleted).toBe(true);
    // the org plays every valid line; its duplicate and its late re-delivery are one sample each
    // at the bridge, and the invalid line is never played: the reactor accepts the same events
    expect(b.events).toEqual({ read: 2400, accepted: 2400, bad: 0, late: 0, duplicates: 0 });
    expect(m.events.accepted).toBe(2400);
    expect(progress.at(-1)).toEqual([2402, 2402]);

    // the same decisions and the same writes
    expect({
      firings: b.firings,
      adjustments: b.adjustments,
      outcomes: b.outcomes,
      deferred: b.deferredThenApplied,
      versionConflicts: b.conflicts.versionConflicts,
      resolved: b.conflicts.resolved,
      lockedAnswers: b.conflicts.lockedAnswers,
      patches: b.ledger.patches,
      swaps: b.ledger.swaps,
      agentSchedules: b.ledger.agentSchedules,
    }).toEqual({
      firings: m.firings,
      adjustments: m.adjustments,
      outcomes: m.outcomes,
      deferred: m.deferredThenApplied,
      versionConflicts: m.conflicts.versionConflicts,
      resolved: m.conflicts.resolved,
      lockedAnswers: m.conflicts.lockedAnswers,
      patches: m.ledger.patches,
      swaps: m.ledger.swaps,
      agentSchedules: m.ledger.agentSchedules,
    });
    expect(b.adjustments).toBeGreaterThan(0);
    expect(b.outcomes).toEqual({ applied: b.adjustments });
    expect(b.deferredThenApplied).toBeGreaterThan(0);
    expect(b.conflicts.resolved).toBeGreaterThan(0);
    expect(finalKeys(b)).toEqual(finalKeys(m));
    expect(finalKeys(b).size).toBe(b.adjustments);
    const agents = allAgents();
    expect(finalShifts(bridged.wfm, agents)).toEqual(finalShifts(memory.wfm, agents));

    // what the bridge did: 15 bases on two edges each, every sample once
    const f = b.bridge;
    expect(f).toBeDefined();
    if (!f) return;
    expect({ trunkBases: f.trunkBases, instances: f.instances, channels: f.channels }).toEqual({
      trunkBases: 15,
      instances: 30,
      channels: 1,
    });
    expect(f.published).toBe(2 * 2402);
    expect(f.linesLeftOut).toBe(1);
    expect(f.eventsProduced).toBe(2400);
    // the dropped socket: one minute's samples reached no socket and came back from REST
    expect(f.reconnects).toBeGreaterThanOrEqual(1);
    expect(f.undelivered).toBeGreaterThan(0);
    expect(f.gapsFilled).toBe(f.undelivered);
    expect(f.samples.notification).toBe(f.published - f.undelivered);
    // at the start, and after each reconnect
    expect(f.restReads).toBe(1 + f.reconnects);
    // the duplicate line and the late re-delivery: two samples on each of two edges
    expect(f.skipped).toEqual({ duplicate: 4 + (f.samples.rest - f.gapsFilled), stale: 0, unmapped: 0 });
    expect({ malformed: f.malformed, partial: f.partialEvents }).toEqual({ malformed: 0, partial: 0 });

    const table = summaryTable(b);
    expect(table).toMatch(/^events travelled +from trunk-reactor bridge through Kafka, topics /m);
    expect(table).toMatch(
      /^trunk metrics from +Genesys Cloud, emulated: 15 trunk bases, 30 edge instances, 1 notification channel$/m,
    );
    expect(table).toMatch(
      new RegExp(`^ {2}gaps filled \\(samples only REST brought\\) +${f.gapsFilled}$`, 'm'),
    );
    expect(table).toMatch(/^ {2}trunk base events produced +2400$/m);
    expect(table).toMatch(/^WFM written to +Genesys Cloud, emulated/m);
  }, 180_000);

  it('without KAFKA_BROKERS, says the source needs Kafka', async () => {
    const r = await cli(['--source', 'genesys-cloud', '--admin-port', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--source genesys-cloud needs Kafka');
    expect(r.stderr).toContain('KAFKA_BROKERS=');
  });

  it('refuses the contract WFM with it: the trunk metrics and the WFM are one org', async () => {
    const r = await cli(
      ['--source', 'genesys-cloud', '--wfm', 'contract', '--admin-port', '0'],
      inject('kafkaBrokers') as string,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--source genesys-cloud reads the trunk metrics of the emulated org');
    expect(r.stderr).toContain('use --wfm genesys-cloud');
  });
});
