import { testKafka } from '../../test/pipeline/support/harness.js';
import {
  accountGenesys,
  finalShifts,
  type GenesysAccounting,
  type GenesysReference,
  terminalKeys,
} from './genesys-accounting.js';
import type { GenesysFaultRun } from './genesys-faults.js';
import { runGenesysScenario } from './genesys-scenario.js';
import type { Bar } from './report.js';

/**
 * bench:faults' Genesys Cloud part: an uninterrupted run, then each fault run, each accounted
 * for by support/genesys-accounting.ts and summed per fault for the table and the bars.
 */
export interface GenesysRow {
  fault: string;
  how: string;
  seconds: number;
  a: GenesysAccounting | undefined;
  seen: GenesysSeen | undefined;
  error: string | undefined;
}

/** What the Genesys sandbox saw of a run: proof that the fault hit it. */
export interface GenesysSeen {
  requests: number;
  status5xx: number;
  /** update jobs started (one per /update accepted) */
  uploads: number;
  /** update jobs whose result was never announced (`notificationLossRate`) */
  notificationsLost: number;
  /** notifications published while the channel had no socket */
  undelivered: number;
  socketsDropped: number;
  /** kills that landed while the upload's job was still running */
  killsInFlight: number;
}

const ZERO_SEEN: GenesysSeen = {
  requests: 0,
  status5xx: 0,
  uploads: 0,
  notificationsLost: 0,
  undelivered: 0,
  socketsDropped: 0,
  killsInFlight: 0,
};

export async function genesysReferenceRun(brokers: string[], events: number): Promise<GenesysReference> {
  const cleanup: Array<() => Promise<void>> = [];
  try {
    const r = await runGenesysScenario({
      events,
      seed: 1,
      brokers,
      cleanup,
      drive: async (ctx) => {
        ctx.start('ref');
      },
    });
    const t = await terminalKeys(testKafka(brokers), r.config);
    const missing = [...t.planned].filter((k) => !t.terminal.has(k));
    if (t.planned.size === 0 || missing.length > 0) {
      throw new Error(
        `the uninterrupted genesys-cloud run planned ${t.planned.size} adjustments, ${missing.length} without a terminal outcome; its instance said:\n${r.ctx.instances[0]?.output().slice(-3_000)}`,
      );
    }
    return {
      keys: [...t.planned],
      state: finalShifts(r.state),
      updateEntries: r.ledger.filter((e) => e.kind === 'update').length,
    };
  } finally {
    for (const c of cleanup.reverse()) await c().catch(() => {});
  }
}

export async function genesysOnce(
  f: GenesysFaultRun,
  seed: number,
  brokers: string[],
  events: number,
  reference: GenesysReference,
): Promise<GenesysRow> {
  const cleanup: Array<() => Promise<void>> = [];
  const t = Date.now();
  try {
    const r = await runGenesysScenario({ events, seed, brokers, cleanup, ...f.options });
    const a = await accountGenesys({
      kafka: testKafka(brokers),
      config: r.config,
      ledger: r.ledger,
      state: r.state,
      initial: r.initial,
      reference,
    });
    const st = await r.ctx.admin.stats();
    const ops = await r.ctx.admin.operations();
    const did = f.did?.() ?? { socketsDropped: 0, killsInFlight: 0 };
    const seen: GenesysSeen = {
      requests: st.requests,
      status5xx: (st.byStatus['500'] ?? 0) + (st.byStatus['503'] ?? 0),
      uploads: ops.filter((o) => o.kind === 'update').length,
      notificationsLost: st.notificationsLost,
      undelivered: st.notifications.undelivered,
      ...did,
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

export function genesysSeenText(s: GenesysSeen): string {
  const parts = [
    `${s.requests} requests`,
    `${s.uploads} uploads`,
    s.status5xx ? `${s.status5xx} × 5xx` : '',
    s.notificationsLost ? `${s.notificationsLost} notifications lost` : '',
    s.socketsDropped ? `${s.socketsDropped} sockets dropped` : '',
    s.undelivered ? `${s.undelivered} notifications sent to no socket` : '',
    s.killsInFlight ? `${s.killsInFlight} kills with the job running` : '',
  ];
  return parts.filter(Boolean).join(', ');
}

/** A run's line in the bench's table, under the contract runs' columns. */
export function genesysLine(r: GenesysRow, pad: number): string {
  if (!r.a) return `${r.fault.padEnd(pad)} FAILED: ${r.error}`;
  const a = r.a;
  const cells = [
    a.expected,
    a.applied + a.alreadyApplied,
    a.deadLettered,
    '–',
    a.rejected,
    a.lost,
    a.appliedTwice,
    a.stateMatchesReference === undefined ? '–' : a.stateMatchesReference ? 'yes' : 'NO',
  ];
  const extra = [
    a.alreadyApplied ? `${a.alreadyApplied} of them already applied` : '',
    a.lostKeys.length ? `lost: ${a.lostKeys.slice(0, 5).join(' ')}` : '',
    a.twiceKeys.length ? `twice: ${a.twiceKeys.slice(0, 5).join(' ')}` : '',
    a.misreported.length ? `outcome ≠ ledger: ${a.misreported.join('; ')}` : '',
    a.refused.length ? `refused: ${a.refused.join('; ')}` : '',
    a.stateDiff.length ? `state differs: ${a.stateDiff.slice(0, 5).join(' ')}` : '',
    r.seen ? `WFM: ${genesysSeenText(r.seen)}` : '',
  ].filter(Boolean);
  return `${r.fault.padEnd(pad)} ${cells.map((c) => String(c).padStart(13)).join('')} ${r.seconds.toFixed(0).padStart(6)}  ${extra.join('  ')}`;
}

interface GenesysSummary {
  fault: string;
  runs: number;
  failedRuns: number;
  expected: number;
  applied: number;
  alreadyApplied: number;
  rejected: number;
  deadLettered: number;
  lost: number;
  appliedTwice: number;
  misreported: number;
  matchingReference: number;
  seen: GenesysSeen;
}

export function summarizeGenesys(rows: readonly GenesysRow[]): GenesysSummary[] {
  const byFault = new Map<string, GenesysSummary>();
  for (const r of rows) {
    const fault = r.fault.startsWith('Genesys kill -9')
      ? 'Genesys kill -9 with an upload in flight'
      : r.fault;
    const s = byFault.get(fault) ?? {
      fault,
      runs: 0,
      failedRuns: 0,
      expected: 0,
      applied: 0,
      alreadyApplied: 0,
      rejected: 0,
      deadLettered: 0,
      lost: 0,
      appliedTwice: 0,
      misreported: 0,
      matchingReference: 0,
      seen: { ...ZERO_SEEN },
    };
    s.runs++;
    if (!r.a) s.failedRuns++;
    else {
      s.expected += r.a.expected;
      s.applied += r.a.applied;
      s.alreadyApplied += r.a.alreadyApplied;
      s.rejected += r.a.rejected;
      s.deadLettered += r.a.deadLettered;
      s.lost += r.a.lost;
      s.appliedTwice += r.a.appliedTwice;
      s.misreported += r.a.misreported.length;
      if (r.a.stateMatchesReference) s.matchingReference++;
      for (const k of Object.keys(s.seen) as Array<keyof GenesysSeen>) s.seen[k] += r.seen?.[k] ?? 0;
    }
    byFault.set(fault, s);
  }
  return [...byFault.values()];
}

/** The markdown table, the bars and the figures of the Genesys runs. */
export function genesysReport(rows: readonly GenesysRow[], reference: GenesysReference) {
  const faults = summarizeGenesys(rows);
  const sum = (k: keyof Omit<GenesysSummary, 'fault' | 'seen'>) => faults.reduce((n, f) => n + f[k], 0);
  const killRuns = rows.filter((r) => r.fault.startsWith('Genesys kill -9') && r.a).length;
  const killsInFlight = rows.reduce((n, r) => n + (r.seen?.killsInFlight ?? 0), 0);
  const figures = {
    referenceAdjustments: reference.keys.length,
    referenceUpdateEntries: reference.updateEntries,
    runs: rows.length,
    failedRuns: sum('failedRuns'),
    killRuns,
    killsInFlight,
    expected: sum('expected'),
    applied: sum('applied'),
    alreadyApplied: sum('alreadyApplied'),
    rejected: sum('rejected'),
    deadLettered: sum('deadLettered'),
    lost: sum('lost'),
    appliedTwice: sum('appliedTwice'),
    misreported: sum('misreported'),
    matchingReference: sum('matchingReference'),
    faults,
  };
  const bars: Bar[] = [
    { name: 'genesys-cloud: lost', target: 0, actual: figures.lost, ok: figures.lost === 0 },
    {
      name: 'genesys-cloud: applied twice',
      target: 0,
      actual: figures.appliedTwice,
      ok: figures.appliedTwice === 0,
    },
    {
      name: "genesys-cloud: runs whose final state equals the uninterrupted run's",
      target: rows.length,
      actual: figures.matchingReference,
      ok: figures.matchingReference === rows.length,
    },
    {
      name: 'genesys-cloud: outcomes that contradict the ledger',
      target: 0,
      actual: figures.misreported,
      ok: figures.misreported === 0,
    },
    { name: 'genesys-cloud: kill -9 runs', target: '≥ 20', actual: killRuns, ok: killRuns >= 20 },
    {
      name: 'genesys-cloud: runs that failed to finish',
      target: 0,
      actual: figures.failedRuns,
      ok: figures.failedRuns === 0,
    },
  ];
  const table = [
    '| fault | runs | adjustments expected | applied | already applied | rejected | dead-lettered | lost | applied twice | outcome contradicts ledger | final state = uninterrupted run | what the WFM saw |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...faults.map(
      (f) =>
        `| ${f.fault} | ${f.runs}${f.failedRuns ? ` (${f.failedRuns} failed)` : ''} | ${f.expected} | ${f.applied} | ${f.alreadyApplied} | ${f.rejected} | ${f.deadLettered} | ${f.lost} | ${f.appliedTwice} | ${f.misreported} | ${f.matchingReference}/${f.runs} | ${genesysSeenText(f.seen)} |`,
    ),
  ];
  // What each kind of wrong outcome said, with how many runs said it (the key left out).
  const tally = (pick: (a: GenesysAccounting) => string[]) => {
    const n = new Map<string, number>();
    for (const r of rows)
      for (const t of r.a ? pick(r.a) : [])
        n.set(t.replace(/^\S+ /, ''), (n.get(t.replace(/^\S+ /, '')) ?? 0) + 1);
    return [...n].map(([t, k]) => `${k} × ${t}`);
  };
  const notes = {
    misreported: tally((a) => a.misreported),
    refused: tally((a) => a.refused),
  };
  return { table, bars, figures, notes };
}
