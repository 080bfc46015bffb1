/**
 * bench:faults — the fault matrix of issue #7, too long for CI (about 13 minutes here).
 *
 * Every fault runs as a scenario of `trunk-reactor run` child processes against a Kafka
 * broker this script starts (so it may restart it) and the golden WFM sandbox over HTTP
 * (test/pipeline/support/fault-runs.ts). First an uninterrupted reference run; then each
 * WFM fault, the publish window, version races, a broker restart, the outage longer than
 * the retry budget followed by `trunk-reactor redrive`, and `--kills` (default 20) runs
 * with a kill -9 at a random point. Each run is accounted for from the adjustments,
 * outcomes and dead-letter topics and the sandbox's ledger (support/accounting.ts).
 *
 *   npm run bench:faults [-- --kills 20 --events 10000 --only resets --no-docs]
 */
import { parseArgs } from 'node:util';
import { freePortPair, startLocalBroker, stopLocalBroker } from '../test/kafka/local-broker.js';
import { type Accounting, account } from '../test/pipeline/support/accounting.js';
import {
  brokerRestart,
  connectionResets,
  type FaultRun,
  kill9AtRandom,
  outageThenRedrive,
  publishWindow,
  rateLimitStorm,
  versionRaces,
  wfm5xxBursts,
  wfmTimeouts,
} from '../test/pipeline/support/fault-runs.js';
import { testKafka } from '../test/pipeline/support/harness.js';
import { runFaultScenario } from '../test/pipeline/support/scenario.js';
import { type Bar, barsTable, finalLine, machine, printBars, writeDocSection } from './support/report.js';

const { values } = parseArgs({
  options: {
    kills: { type: 'string', default: '20' },
    events: { type: 'string', default: '10000' },
    only: { type: 'string' },
    'no-docs': { type: 'boolean', default: false },
  },
});
const KILLS = Number(values.kills);
const EVENTS = Number(values.events);

function accountNow(
  r: { config: Parameters<typeof account>[0]['config'] },
  reference: string[] | undefined,
  ledger: Parameters<typeof account>[0]['ledger'],
) {
  return account({ kafka, config: r.config, ledger, ...(reference ? { reference } : {}) });
}

const COLUMNS = ['expected', 'applied', 'dead-lettered', 'still DL', 'rejected', 'lost', 'twice', '= ref'];

interface Row {
  fault: string;
  how: string;
  seconds: number;
  a: Accounting | undefined;
  /** what the WFM saw of the fault: proof that it hit the run */
  seen: FaultSeen | undefined;
  error: string | undefined;
}

interface FaultSeen {
  requests: number;
  status5xx: number;
  status429: number;
  resets: number;
  locked: number;
  conflicts: number;
  replayed: number;
  mutatorWrites: number;
}

const port = await freePortPair();
const broker = await startLocalBroker(port);
const bail = () => {
  void stopLocalBroker(port, { purge: true }).finally(() => process.exit(130));
};
process.once('SIGINT', bail);
process.once('SIGTERM', bail);
const brokers = [broker.brokers];
const kafka = testKafka(brokers);
const m = machine();
process.stdout.write(
  `bench:faults — ${EVENTS} events a run, broker 127.0.0.1:${port}; ${m.cpu} (${m.cores} cores), Node ${m.node}\n`,
);

try {
  const reference = await referenceRun();
  process.stdout.write(`reference run: ${reference.length} writes in the ledger\n\n`);
  const matrix: FaultRun[] = [
    wfm5xxBursts(),
    wfmTimeouts(),
    connectionResets(),
    rateLimitStorm(),
    publishWindow(),
    versionRaces(),
    brokerRestart(port),
    outageThenRedrive(),
    ...Array.from({ length: KILLS }, (_, i) => kill9AtRandom(i + 1)),
  ].filter((f) => !values.only || f.name.includes(values.only));
  process.stdout.write(`${header()}\n`);
  const rows: Row[] = [];
  for (const [i, f] of matrix.entries()) {
    const row = await once(f, 100 + i, reference);
    rows.push(row);
    process.stdout.write(`${line(row)}\n`);
  }
  report(rows, reference.length);
} finally {
  await stopLocalBroker(port, { purge: true });
}

async function referenceRun(): Promise<string[]> {
  const cleanup: Array<() => Promise<void>> = [];
  try {
    const r = await runFaultScenario({
      events: EVENTS,
      seed: 1,
      brokers,
      cleanup,
      drive: async (ctx) => {
        ctx.start('ref');
      },
    });
    return r.writes;
  } finally {
    for (const c of cleanup.reverse()) await c().catch(() => {});
  }
}

async function once(f: FaultRun, seed: number, reference: string[]): Promise<Row> {
  const cleanup: Array<() => Promise<void>> = [];
  const t = Date.now();
  try {
    const r = await runFaultScenario({ events: EVENTS, seed, brokers, cleanup, ...f.options });
    // The ledger settling is not the end for an adjustment still deferred (publish window):
    // give every planned adjustment up to a minute more to reach a terminal outcome.
    const settle = Date.now() + 60_000;
    let a = await accountNow(r, f.comparable ? reference : undefined, r.ledger);
    while (a.lost > 0 && Date.now() < settle) {
      await new Promise((res) => setTimeout(res, 3_000));
      a = await accountNow(r, f.comparable ? reference : undefined, await r.ctx.admin.ledger());
    }
    const st = await r.ctx.admin.stats();
    const seen: FaultSeen = {
      requests: st.requests,
      status5xx: (st.byStatus['500'] ?? 0) + (st.byStatus['503'] ?? 0),
      status429: st.byStatus['429'] ?? 0,
      resets: st.resets,
      locked: st.byErrorCode.SCHEDULE_LOCKED ?? 0,
      conflicts: st.byErrorCode.VERSION_CONFLICT ?? 0,
      replayed: st.replayed,
      mutatorWrites: (await r.ctx.admin.ledger()).filter((e) => e.kind === 'mutator').length,
    };
    const fault = f.note ? `${f.name} (${f.note()})` : f.name;
    return { fault, how: f.how, seconds: (Date.now() - t) / 1000, a, seen, error: undefined };
  } catch (err) {
    const error = (err as Error).message.split('\n')[0]!;
    return {
      fault: f.name,
      how: f.how,
      seconds: (Date.now() - t) / 1000,
      a: undefined,
      seen: undefined,
      error,
    };
  } finally {
    for (const c of cleanup.reverse()) await c().catch(() => {});
  }
}

function header(): string {
  return `${'run'.padEnd(58)} ${COLUMNS.map((c) => c.padStart(13)).join('')}      s`;
}

function line(r: Row): string {
  if (!r.a) return `${r.fault.padEnd(58)} FAILED: ${r.error}`;
  const a = r.a;
  const cells = [
    a.expected,
    a.applied,
    a.deadLettered,
    a.stillDeadLettered,
    a.rejected,
    a.lost,
    a.appliedTwice,
    a.matchesReference === undefined ? '–' : a.matchesReference ? 'yes' : 'NO',
  ];
  const codes = Object.entries(a.deadLetterCodes)
    .map(([c, n]) => `${n} ${c}`)
    .join(', ');
  const events = Object.entries(a.eventDeadLetters)
    .map(([c, n]) => `${n} ${c}`)
    .join(', ');
  const seen = r.seen ? `  WFM: ${seenText(r.seen)}` : '';
  return `${r.fault.padEnd(58)} ${cells.map((c) => String(c).padStart(13)).join('')} ${r.seconds.toFixed(0).padStart(6)}${codes ? `  (${codes})` : ''}${events ? `  events dead-lettered: ${events}` : ''}${a.lostKeys.length ? `  lost: ${a.lostKeys.slice(0, 5).join(' ')}` : ''}${seen}`;
}

function seenText(s: FaultSeen): string {
  const parts = [
    `${s.requests} requests`,
    s.status5xx ? `${s.status5xx} × 5xx` : '',
    s.status429 ? `${s.status429} × 429` : '',
    s.resets ? `${s.resets} resets` : '',
    s.locked ? `${s.locked} × SCHEDULE_LOCKED` : '',
    s.conflicts ? `${s.conflicts} × VERSION_CONFLICT` : '',
    s.replayed ? `${s.replayed} idempotent replays` : '',
    s.mutatorWrites ? `${s.mutatorWrites} mutator writes` : '',
  ];
  return parts.filter(Boolean).join(', ');
}

/** the counts of one run that add up over the runs of a fault */
type RunCounts = Pick<
  Accounting,
  'expected' | 'applied' | 'deadLettered' | 'stillDeadLettered' | 'rejected' | 'lost' | 'appliedTwice'
>;

interface FaultSummary extends RunCounts {
  fault: string;
  how: string;
  runs: number;
  failedRuns: number;
  matchingReference: number;
  deadLetterCodes: string;
  seen: FaultSeen;
}

function summarize(rows: Row[]): FaultSummary[] {
  const byFault = new Map<string, FaultSummary>();
  for (const r of rows) {
    const fault = r.fault.startsWith('kill -9') ? 'kill -9 at a random point' : r.fault;
    const s = byFault.get(fault) ?? {
      fault,
      how: r.how,
      runs: 0,
      failedRuns: 0,
      expected: 0,
      applied: 0,
      deadLettered: 0,
      stillDeadLettered: 0,
      rejected: 0,
      lost: 0,
      appliedTwice: 0,
      matchingReference: 0,
      deadLetterCodes: '',
      seen: {
        requests: 0,
        status5xx: 0,
        status429: 0,
        resets: 0,
        locked: 0,
        conflicts: 0,
        replayed: 0,
        mutatorWrites: 0,
      },
    };
    s.runs++;
    if (!r.a) s.failedRuns++;
    else {
      s.expected += r.a.expected;
      s.applied += r.a.applied;
      s.deadLettered += r.a.deadLettered;
      s.stillDeadLettered += r.a.stillDeadLettered;
      s.rejected += r.a.rejected;
      s.lost += r.a.lost;
      s.appliedTwice += r.a.appliedTwice;
      if (r.a.matchesReference) s.matchingReference++;
      for (const k of Object.keys(s.seen) as Array<keyof FaultSeen>) s.seen[k] += r.seen?.[k] ?? 0;
      const codes = Object.keys(r.a.deadLetterCodes);
      if (codes.length)
        s.deadLetterCodes = [...new Set([...s.deadLetterCodes.split(', '), ...codes])]
          .filter(Boolean)
          .join(', ');
    }
    byFault.set(fault, s);
  }
  return [...byFault.values()];
}

function report(rows: Row[], referenceWrites: number): void {
  const faults = summarize(rows);
  const sum = (k: keyof FaultSummary) => faults.reduce((n, f) => n + (f[k] as number), 0);
  const killRuns = rows.filter((r) => r.fault.startsWith('kill -9') && r.a).length;
  const outage = faults.find((f) => f.fault.startsWith('WFM outage'));
  const figures = {
    eventsPerRun: EVENTS,
    referenceWrites,
    runs: rows.length,
    failedRuns: sum('failedRuns'),
    killRuns,
    expected: sum('expected'),
    applied: sum('applied'),
    deadLettered: sum('deadLettered'),
    stillDeadLettered: sum('stillDeadLettered'),
    rejected: sum('rejected'),
    lost: sum('lost'),
    appliedTwice: sum('appliedTwice'),
    matchingReference: sum('matchingReference'),
    faults,
  };
  const bars: Bar[] = [
    { name: 'lost', target: 0, actual: figures.lost, ok: figures.lost === 0 },
    { name: 'applied twice', target: 0, actual: figures.appliedTwice, ok: figures.appliedTwice === 0 },
    { name: 'kill -9 runs', target: '≥ 20', actual: killRuns, ok: killRuns >= 20 },
    {
      name: 'runs that failed to finish',
      target: 0,
      actual: figures.failedRuns,
      ok: figures.failedRuns === 0,
    },
    {
      name: 'runs whose ledger equals the uninterrupted run',
      target: rows.length,
      actual: figures.matchingReference,
      ok: figures.matchingReference === rows.length,
    },
    {
      name: 'outage: dead-lettered, then still dead-lettered after redrive',
      target: '> 0, then 0',
      actual: outage ? `${outage.deadLettered}, then ${outage.stillDeadLettered}` : 'not run',
      ok:
        outage !== undefined &&
        outage.deadLettered > 0 &&
        outage.stillDeadLettered === 0 &&
        outage.lost === 0,
    },
  ];
  const table = [
    '| fault | runs | adjustments expected | applied | dead-lettered | lost | applied twice | ledger = uninterrupted run | what the WFM saw |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...faults.map(
      (f) =>
        `| ${f.fault} | ${f.runs}${f.failedRuns ? ` (${f.failedRuns} failed)` : ''} | ${f.expected} | ${f.applied} | ${f.deadLettered}${f.deadLettered ? ` (${f.stillDeadLettered} left after redrive; ${f.deadLetterCodes})` : ''} | ${f.lost} | ${f.appliedTwice} | ${f.matchingReference}/${f.runs} | ${seenText(f.seen)} |`,
    ),
  ];
  process.stdout.write(`\n${table.join('\n')}\n\n`);
  printBars(bars);
  if (!values['no-docs'] && !values.only) writeDocs(table, bars, figures);
  finalLine('faults', m, figures, bars);
}

function writeDocs(
  table: string[],
  bars: Bar[],
  f: { runs: number; killRuns: number; referenceWrites: number },
): void {
  const date = new Date().toISOString().slice(0, 10);
  const intro = [
    `Measured ${date} by \`npm run bench:faults\` on ${m.cpu} (${m.cores} cores), Node ${m.node}; the Kafka broker`,
    `(single-node KRaft) and the WFM sandbox run on the same two cores. ${f.runs} runs of ${EVENTS} events each`,
    `(${f.killRuns} with a kill -9); an uninterrupted run of the same events leaves ${f.referenceWrites} writes in the ledger (one per shift`,
    'changed: a swap changes two). "What the WFM saw" counts the sandbox\'s answers, to show each fault hit the run.',
  ];
  const body = [...intro, '', ...table, '', ...barsTable(bars)];
  writeDocSection(new URL('../docs/benchmarks.md', import.meta.url), '## bench:faults', body);
  writeDocSection(new URL('../docs/reliability.md', import.meta.url), '## Measured: the fault matrix', body);
}
