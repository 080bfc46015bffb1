/**
 * bench:faults — the fault matrix of issue #7, too long for CI (about 25 minutes here).
 *
 * Every fault runs as a scenario of `trunk-reactor run` child processes against a Kafka
 * broker this script starts (so it may restart it; with KAFKA_BROKERS set it uses that
 * broker and leaves out the broker restart) and a WFM sandbox over HTTP.
 *
 * The contract runs (test/pipeline/support/fault-runs.ts), against the golden contract
 * sandbox: first an uninterrupted reference run; then each WFM fault, the publish window,
 * version races, a broker restart, the outage longer than the retry budget followed by
 * `trunk-reactor redrive`, and `--kills` (default 20) runs with a kill -9 at a random point.
 * Each run is accounted for from the adjustments, outcomes and dead-letter topics and the
 * sandbox's ledger (support/accounting.ts).
 *
 * The genesys-cloud runs (support/genesys-faults.ts), the same workload with the service
 * configured for `wfm.kind: genesys-cloud` against the Genesys sandbox: an uninterrupted
 * run; then 5xx, the /update answer lost after its job started, lost notifications, the
 * notification socket dropped mid-job, and `--genesys-kills` (default 20) runs with a
 * kill -9 while an upload is in flight. Each is accounted for from the adjustments and
 * outcomes topics, the ledger's uploads and the org's final state
 * (support/genesys-accounting.ts).
 *
 *   npm run bench:faults [-- --kills 20 --genesys-kills 20 --events 10000 --wfm genesys-cloud --only resets --no-docs]
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
import { writeDocPart } from './support/doc-part.js';
import type { GenesysReference } from './support/genesys-accounting.js';
import {
  genesys5xx,
  genesysKill9,
  genesysNotificationLoss,
  genesysSocketDropped,
  genesysUpdateAnswerLost,
} from './support/genesys-faults.js';
import {
  type GenesysRow,
  genesysLine,
  genesysOnce,
  genesysReferenceRun,
  genesysReport,
} from './support/genesys-runs.js';
import { type Bar, barsTable, finalLine, machine, printBars } from './support/report.js';

const { values } = parseArgs({
  options: {
    kills: { type: 'string', default: '20' },
    'genesys-kills': { type: 'string', default: '20' },
    events: { type: 'string', default: '10000' },
    /** the runs of one WFM backend only: contract or genesys-cloud */
    wfm: { type: 'string' },
    only: { type: 'string' },
    'no-docs': { type: 'boolean', default: false },
  },
});
const KILLS = Number(values.kills);
const GENESYS_KILLS = Number(values['genesys-kills']);
const EVENTS = Number(values.events);
if (values.wfm !== undefined && values.wfm !== 'contract' && values.wfm !== 'genesys-cloud')
  throw new Error(`--wfm takes contract or genesys-cloud, got '${values.wfm}'`);
const CONTRACT = values.wfm !== 'genesys-cloud';
const GENESYS = values.wfm !== 'contract';

function accountNow(
  r: { config: Parameters<typeof account>[0]['config'] },
  reference: string[] | undefined,
  ledger: Parameters<typeof account>[0]['ledger'],
) {
  return account({ kafka, config: r.config, ledger, ...(reference ? { reference } : {}) });
}

const COLUMNS = ['expected', 'applied', 'dead-lettered', 'still DL', 'rejected', 'lost', 'twice', '= ref'];
const LABEL_WIDTH = 58;

const DOCS = [
  { file: new URL('../docs/benchmarks.md', import.meta.url), heading: '## bench:faults' },
  { file: new URL('../docs/reliability.md', import.meta.url), heading: '## Measured: the fault matrix' },
];
const GENESYS_PART = '### Genesys Cloud WFM';

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

// The broker restart stops and starts the broker: only one this bench started.
const ownPort = process.env.KAFKA_BROKERS ? undefined : await freePortPair();
const brokers =
  ownPort === undefined ? process.env.KAFKA_BROKERS!.split(',') : [(await startLocalBroker(ownPort)).brokers];
const stopOwnBroker = async () => {
  if (ownPort !== undefined) await stopLocalBroker(ownPort, { purge: true });
};
const bail = () => {
  void stopOwnBroker().finally(() => process.exit(130));
};
process.once('SIGINT', bail);
process.once('SIGTERM', bail);
const kafka = testKafka(brokers);
const m = machine();
process.stdout.write(
  `bench:faults — ${EVENTS} events a run, broker ${brokers.join(',')}${ownPort === undefined ? ' (KAFKA_BROKERS: the broker restart is left out)' : ' (started by the bench)'}; ${m.cpu} (${m.cores} cores), Node ${m.node}\n`,
);

try {
  const contract = CONTRACT ? await contractRuns() : undefined;
  const genesys = GENESYS ? await genesysRuns() : undefined;
  report(contract, genesys);
} finally {
  await stopOwnBroker();
}

async function contractRuns(): Promise<{ rows: Row[]; referenceWrites: number; whole: boolean }> {
  const reference = await referenceRun();
  process.stdout.write(`reference run: ${reference.length} writes in the ledger\n\n`);
  const matrix: FaultRun[] = [
    wfm5xxBursts(),
    wfmTimeouts(),
    connectionResets(),
    rateLimitStorm(),
    publishWindow(),
    versionRaces(),
    ...(ownPort === undefined ? [] : [brokerRestart(ownPort)]),
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
  return { rows, referenceWrites: reference.length, whole: !values.only && ownPort !== undefined };
}

async function genesysRuns(): Promise<{ rows: GenesysRow[]; reference: GenesysReference; whole: boolean }> {
  const reference = await genesysReferenceRun(brokers, EVENTS);
  process.stdout.write(
    `\ngenesys-cloud reference run: ${reference.keys.length} adjustments, ${reference.updateEntries} agent schedules changed by uploads\n\n`,
  );
  const matrix = [
    genesys5xx(),
    genesysUpdateAnswerLost(),
    genesysNotificationLoss(),
    genesysSocketDropped(),
    ...Array.from({ length: GENESYS_KILLS }, (_, i) => genesysKill9(i + 1)),
  ].filter((f) => !values.only || f.name.includes(values.only));
  process.stdout.write(`${header()}\n`);
  const rows: GenesysRow[] = [];
  for (const [i, f] of matrix.entries()) {
    const row = await genesysOnce(f, 200 + i, brokers, EVENTS, reference);
    rows.push(row);
    process.stdout.write(`${genesysLine(row, LABEL_WIDTH)}\n`);
  }
  return { rows, reference, whole: !values.only };
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
  return `${'run'.padEnd(LABEL_WIDTH)} ${COLUMNS.map((c) => c.padStart(13)).join('')}      s`;
}

function line(r: Row): string {
  if (!r.a) return `${r.fault.padEnd(LABEL_WIDTH)} FAILED: ${r.error}`;
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
  return `${r.fault.padEnd(LABEL_WIDTH)} ${cells.map((c) => String(c).padStart(13)).join('')} ${r.seconds.toFixed(0).padStart(6)}${codes ? `  (${codes})` : ''}${events ? `  events dead-lettered: ${events}` : ''}${a.lostKeys.length ? `  lost: ${a.lostKeys.slice(0, 5).join(' ')}` : ''}${seen}`;
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

function report(
  contract: { rows: Row[]; referenceWrites: number; whole: boolean } | undefined,
  genesys: { rows: GenesysRow[]; reference: GenesysReference; whole: boolean } | undefined,
): void {
  const c = contract ? contractReport(contract.rows, contract.referenceWrites) : undefined;
  const g = genesys ? genesysReport(genesys.rows, genesys.reference) : undefined;
  if (c) process.stdout.write(`\n${c.table.join('\n')}\n\n`);
  if (g) {
    process.stdout.write(`\ngenesys-cloud:\n${g.table.join('\n')}\n\n`);
    for (const text of g.notes.misreported)
      process.stdout.write(`outcome that contradicts the ledger: ${text}\n`);
    for (const text of g.notes.refused) process.stdout.write(`rejected or dead-lettered: ${text}\n`);
  }
  const bars = [...(c?.bars ?? []), ...(g?.bars ?? [])];
  printBars(bars);
  if (!values['no-docs']) {
    if (c && contract?.whole) writeContractDocs(c.table, c.bars, c.figures);
    else if (c && !values.only)
      process.stdout.write('contract runs not written to the docs: the broker restart was left out\n');
    if (g && genesys?.whole) writeGenesysDocs(g.table, g.bars, g.figures, g.notes);
  }
  finalLine('faults', m, { ...c?.figures, ...(g ? { genesysCloud: g.figures } : {}) }, bars);
}

function contractReport(rows: Row[], referenceWrites: number) {
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
  return { table, bars, figures };
}

/** The section's lead: the contract runs (its Genesys Cloud subsection stays as it is). */
function writeContractDocs(
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
  for (const d of DOCS) writeDocPart(d.file, d.heading, undefined, body);
}

/** The section's Genesys Cloud subsection (the contract runs above it stay as they are). */
function writeGenesysDocs(
  table: string[],
  bars: Bar[],
  f: {
    runs: number;
    killRuns: number;
    killsInFlight: number;
    referenceAdjustments: number;
    referenceUpdateEntries: number;
  },
  notes: { misreported: string[]; refused: string[] },
): void {
  const date = new Date().toISOString().slice(0, 10);
  const intro = [
    `Measured ${date} by \`npm run bench:faults\` on ${m.cpu} (${m.cores} cores), Node ${m.node}; the Kafka broker`,
    `and the Genesys sandbox run on the same machine. The contract runs' workload (${EVENTS} events a run, the golden rules`,
    'and schedule) with `trunk-reactor run` configured for `wfm.kind: genesys-cloud` against the emulated org',
    '(`startGenesysSandbox`, the golden schedule: business unit `bu-apac`, OAuth client credentials, uploads whose jobs',
    'are announced on a notification channel; jobs take 20 ms, 1.5 s in the kill and dropped-socket runs;',
    `\`uploads.resultTimeoutMs\` 5 s). ${f.runs} runs (${f.killRuns} with a kill -9, ${f.killsInFlight} of them while the upload's job`,
    `was still running); an uninterrupted run plans ${f.referenceAdjustments} adjustments and its uploads change ${f.referenceUpdateEntries} agent schedules.`,
    '',
    "Genesys keeps no idempotency key, so a run is judged from the outcomes, the ledger's `update` entries and the",
    "org's final state (`bench/support/genesys-accounting.ts`): **lost** = an adjustment planned (by this run or the",
    'uninterrupted one) without a terminal outcome on the outcomes topic; **applied twice** = more uploads wrote an',
    "adjustment's target than adjustments asked for it (a set-end's target is its shift's end: an entry whose `before`",
    "and `after` ends differ wrote it; a set-start's its start; an activities-to-on-queue's the shift's activities in",
    "its range; a swap's each agent receiving the other's shift, an `added` shift at the other shift's times);",
    '**outcome contradicts ledger** = `applied` with no target written, or `rejected` / `dead-lettered` with one',
    "written; **final state = uninterrupted run** = every agent's shifts in every schedule, as (start, end, activities",
    "by category), equal to the uninterrupted run's (shift ids left out: a swap re-creates both shifts under new ids).",
  ];
  const list = (title: string, items: string[]) =>
    items.length ? ['', title, '', ...items.map((t) => `- ${t}`)] : [];
  const body = [
    ...intro,
    '',
    ...table,
    '',
    ...barsTable(bars),
    ...list('Outcomes that contradict the ledger (runs × outcome):', notes.misreported),
    ...list('Other adjustments rejected or dead-lettered (runs × outcome):', notes.refused),
  ];
  for (const d of DOCS) writeDocPart(d.file, d.heading, GENESYS_PART, body);
}
