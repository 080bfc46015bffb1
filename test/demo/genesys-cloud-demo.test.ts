import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { type DemoOptions, type DemoSummary, runDemo } from '../../src/demo/demo-run.js';
import type { DemoWfm } from '../../src/demo/demo-wfm.js';
import { summaryTable } from '../../src/demo/summary.js';
import { agentsWritten, finalShifts } from './support/final-shifts.js';

const files = {
  rulesFile: 'config/rules.apac.yaml',
  scheduleFile: 'config/demo/apac-schedule.json',
  eventsFile: 'config/demo/apac-events.ndjson',
};

/** The demo with the other integration racing half the writes, and the WFM it wrote to. */
async function demo(o: Partial<DemoOptions> = {}): Promise<{ s: DemoSummary; wfm: DemoWfm }> {
  let wfm: DemoWfm | undefined;
  const s = await runDemo({
    ...files,
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

/** What both WFMs must agree on: the same adjustments applied, to the same shifts in the end. */
function expectSameStory(
  genesys: { s: DemoSummary; wfm: DemoWfm },
  contract: { s: DemoSummary; wfm: DemoWfm },
) {
  const g = genesys.s;
  const c = contract.s;
  expect(g.wfm).toBe('genesys-cloud');
  expect(c.wfm).toBe('contract');
  expect(g.events).toEqual(c.events);
  expect({ firings: g.firings, adjustments: g.adjustments, deferred: g.deferredThenApplied }).toEqual({
    firings: c.firings,
    adjustments: c.adjustments,
    deferred: c.deferredThenApplied,
  });
  expect(g.outcomes).toEqual({ applied: g.adjustments });
  expect(finalKeys(g)).toEqual(finalKeys(c));
  expect(finalKeys(g).size).toBe(g.adjustments);
  // the same target states: every agent the reactor wrote holds the same shifts in both orgs
  const agents = agentsWritten(contract.wfm);
  expect(agents.length).toBeGreaterThan(g.adjustments / 2);
  expect(finalShifts(genesys.wfm, agents)).toEqual(finalShifts(contract.wfm, agents));
  // the story's kinds: raced writes met a stale version and were applied; the publish lock deferred some
  expect(g.ledger.otherIntegration).toBeGreaterThan(0);
  expect(g.conflicts.versionConflicts).toBeGreaterThan(0);
  expect(g.conflicts.resolved).toBeGreaterThan(0);
  expect(g.conflicts.lockedAnswers).toBeGreaterThan(0);
  expect(g.deferredThenApplied).toBeGreaterThan(0);
  // each adjustment landed once: an update changes one agent schedule, a swap two
  expect(g.ledger.patches + g.ledger.swaps).toBe(g.adjustments);
  expect(g.ledger.agentSchedules).toBe(g.ledger.patches + 2 * g.ledger.swaps);
  expect({ patches: g.ledger.patches, swaps: g.ledger.swaps }).toEqual({
    patches: c.ledger.patches,
    swaps: c.ledger.swaps,
  });
}

/** What the uploads did, as the summary carries it. */
function expectUploadFigures(s: DemoSummary) {
  const u = s.uploads;
  expect(u).toBeDefined();
  if (!u) return;
  expect(u.uploads).toBeGreaterThan(0);
  expect(u.agentsPerUpload).toHaveLength(u.uploads);
  // changes arriving together travel together
  expect(Math.max(...u.agentsPerUpload)).toBeGreaterThan(1);
  // every agent schedule changed came in an upload; the refused ones came again
  expect(u.agentsPerUpload.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(s.ledger.agentSchedules ?? 0);
  expect(u.errorResults).toBeGreaterThan(0);
  expect(u.calls.storage).toBe(u.uploads);
  expect(u.calls.login).toBeGreaterThan(0);
  expect(s.httpCalls).toBe(u.calls.api);
  const table = summaryTable(s);
  expect(table).toMatch(/^WFM written to +Genesys Cloud, emulated/m);
  expect(table).toMatch(new RegExp(`^uploads \\(uploadurl, PUT, update\\) +${u.uploads}$`, 'm'));
  expect(table).toMatch(
    new RegExp(
      `^ {2}agents per upload +${Math.min(...u.agentsPerUpload)}–${Math.max(...u.agentsPerUpload)}, `,
      'm',
    ),
  );
  expect(table).toMatch(new RegExp(`^WFM calls \\(API host\\) +${u.calls.api}$`, 'm'));
  expect(table).toMatch(/^differ from the contract WFM by nature +calls/m);
}

describe('the demo against the emulated Genesys Cloud org', () => {
  it('applies the contract run’s adjustments to the same target states, through uploads of agent schedules, meeting the raced versions and the publish lock on the way', async () => {
    const genesys = await demo({ wfm: 'genesys-cloud' });
    const contract = await demo({ wfm: 'contract' });
    expectSameStory(genesys, contract);
    expectUploadFigures(genesys.s);
    // the contract's summary says where it wrote, and carries no upload figures
    expect(contract.s.uploads).toBeUndefined();
    expect(summaryTable(contract.s)).toMatch(/^WFM written to +the seed contract's sandbox/m);
  }, 60_000);

  it('tells the same story with the events through Kafka, the backend built from the config', async () => {
    const brokers = (inject('kafkaBrokers') as string).split(',');
    const genesys = await demo({ wfm: 'genesys-cloud', kafka: { brokers } });
    const contract = await demo({ wfm: 'contract' });
    expect(genesys.s.source).toBe('kafka');
    expect(genesys.s.kafka?.deleted).toBe(true);
    expectSameStory(genesys, contract);
    expectUploadFigures(genesys.s);
  }, 120_000);

  it('refuses a --wfm it does not know, naming the ones it does', async () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'demo', '--source', 'memory', '--wfm', 'kronos'],
      { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain("--wfm must be contract or genesys-cloud, got 'kronos'");
  });
});
