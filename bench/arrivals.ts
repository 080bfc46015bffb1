/**
 * bench:arrivals — the world's arrival patterns (issue #17), each run held to `plan`.
 *
 * An independent producer (kcat, librdkafka; one produce call per burst, keyed by trunk id,
 * spread over the events topic's 3 partitions by librdkafka's partitioner) sends the golden
 * APAC stream to `trunk-reactor run` child processes (one consumer group) and the golden WFM
 * sandbox over HTTP:
 *
 * - bursts of 1, 5 and 15 minutes of event time, one instance;
 * - a backlog (the golden stream's 42 h, more than the 12 h asked) produced before the instance starts;
 * - 2 and 3 instances with kill -9 of one instance (restarted at once) while 1-minute bursts arrive;
 * - a broker restart mid-stream (only with a broker this bench started; with KAFKA_BROKERS set it is skipped).
 *
 * Each run is compared with `trunk-reactor plan` over the same events (the dry run, in process,
 * on the schedule snapshot the sandbox serves): the adjustments made (the sandbox's ledger, and
 * `already-applied` outcomes) equal plan's, key for key; no event dead-lettered late but the
 * samples sent late on purpose; nothing lost or applied twice by the ledger
 * (test/pipeline/support/accounting.ts); no duplicate dead letter but the golden stream's own
 * repeat. A restarted instance's time from its start to every stage holding partitions again
 * (its "partitions assigned" log lines) is measured: bar ≤ 10 s.
 *
 *   npm run bench:arrivals [-- --quick --no-docs]
 */
import { parseArgs } from 'node:util';
import { groupIds } from '../src/app/pipeline.js';
import { DLQ_HEADERS } from '../src/kafka/dead-letter.js';
import { eventTimeBursts, produceBursts } from '../test/inputs/support/bursts.js';
import { plannedAdjustments } from '../test/inputs/support/plan-reference.js';
import {
  freePortPair,
  restartLocalBroker,
  startLocalBroker,
  stopLocalBroker,
} from '../test/kafka/local-broker.js';
import { account } from '../test/pipeline/support/accounting.js';
import { configFile, type Instance, kill9, startInstance } from '../test/pipeline/support/child.js';
import {
  appliedWrites,
  createTopics,
  goldenSandbox,
  testConfig,
  testKafka,
  testRulesFile,
} from '../test/pipeline/support/harness.js';
import { readCommitted } from '../test/pipeline/support/topic-reader.js';
import { type ArrivalStream, goldenStream } from './support/arrival-stream.js';
import { type Bar, barsTable, finalLine, machine, printBars, writeDocSection } from './support/report.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'no-docs': { type: 'boolean', default: false },
  },
});
const QUICK = values.quick;
const MIN = 60_000;
/** pause after each produce call */
const PAUSE_MS = 100;
/** the bound on a restarted instance's time to hold partitions again */
const ASSIGNED_BAR_S = 10;

interface Pattern {
  name: string;
  stream: ArrivalStream;
  burstMinutes: number;
  /** produced before any instance starts */
  backlog?: boolean;
  instances: number;
  kills: number;
  brokerRestart?: boolean;
}

interface Row {
  pattern: string;
  events: number;
  planned: number;
  made: number;
  equal: boolean;
  /** plan's keys not made, made keys plan lacks (a few of each) */
  missing: string[];
  extra: string[];
  lateOther: number;
  duplicates: number;
  lost: number;
  appliedTwice: number;
  /** seconds from each restart to every stage holding partitions; undefined: not seen */
  assigned: Array<number | undefined>;
  seconds: number;
  error?: string;
}

// ---- broker ----------------------------------------------------------------------
let ownPort: number | undefined;
let brokers = process.env.KAFKA_BROKERS?.split(',');
if (!brokers) {
  ownPort = await freePortPair();
  brokers = [(await startLocalBroker(ownPort)).brokers];
}
const children: Instance[] = [];
const stopAll = async () => {
  for (const c of children) c.child.kill('SIGKILL');
  if (ownPort !== undefined) await stopLocalBroker(ownPort, { purge: true }).catch(() => {});
};
const bail = () => {
  void stopAll().finally(() => process.exit(130));
};
process.once('SIGINT', bail);
process.once('SIGTERM', bail);
const m = machine();
const kafka = testKafka(brokers);

const golden = goldenStream(1);
const weeks = goldenStream(QUICK ? 2 : 3);
const patterns: Pattern[] = QUICK
  ? [
      { name: 'bursts of 1 min, 1 instance', stream: golden, burstMinutes: 1, instances: 1, kills: 0 },
      {
        name: '2 instances, 1-min bursts, kill -9 of one',
        stream: weeks,
        burstMinutes: 1,
        instances: 2,
        kills: 1,
      },
    ]
  : [
      { name: 'bursts of 1 min, 1 instance', stream: golden, burstMinutes: 1, instances: 1, kills: 0 },
      { name: 'bursts of 5 min, 1 instance', stream: golden, burstMinutes: 5, instances: 1, kills: 0 },
      { name: 'bursts of 15 min, 1 instance', stream: golden, burstMinutes: 15, instances: 1, kills: 0 },
      {
        name: '42 h backlog before start, 1 instance',
        stream: golden,
        burstMinutes: 15,
        backlog: true,
        instances: 1,
        kills: 0,
      },
      {
        name: '2 instances, 1-min bursts, 2 × kill -9 of one',
        stream: weeks,
        burstMinutes: 1,
        instances: 2,
        kills: 2,
      },
      {
        name: '3 instances, 1-min bursts, 2 × kill -9 of one',
        stream: weeks,
        burstMinutes: 1,
        instances: 3,
        kills: 2,
      },
      ...(ownPort === undefined
        ? []
        : [
            {
              name: 'broker restart mid-stream, 1 instance, 1-min bursts',
              stream: weeks,
              burstMinutes: 1,
              instances: 1,
              kills: 0,
              brokerRestart: true,
            },
          ]),
    ];
const skipped =
  ownPort === undefined && !QUICK
    ? 'broker restart: skipped (KAFKA_BROKERS is set: the bench restarts only a broker it started)'
    : undefined;

process.stdout.write(
  `bench:arrivals${QUICK ? ' --quick' : ''} — broker ${brokers.join(',')}${ownPort === undefined ? ' (KAFKA_BROKERS)' : ' (started by the bench)'}; ${m.cpu} (${m.cores} cores), Node ${m.node}\n`,
);
if (skipped) process.stdout.write(`${skipped}\n`);

const rows: Row[] = [];
try {
  for (const p of patterns) {
    const row = await runPattern(p);
    rows.push(row);
    process.stdout.write(`${line(row)}\n`);
  }
  report(rows);
} finally {
  await stopAll();
}

// ---- one run -----------------------------------------------------------------------

async function runPattern(p: Pattern): Promise<Row> {
  const t0 = Date.now();
  const cleanup: Array<() => Promise<void>> = [];
  const rulesFile = testRulesFile({ groupScopeOnly: true });
  const base: Row = {
    pattern: p.name,
    events: p.stream.lines.length,
    planned: 0,
    made: 0,
    equal: false,
    missing: [],
    extra: [],
    lateOther: 0,
    duplicates: 0,
    lost: 0,
    appliedTwice: 0,
    assigned: [],
    seconds: 0,
  };
  try {
    const planned = (await plannedAdjustments(rulesFile, p.stream.lines)).map((a) => a.key).sort();
    const { sandbox, admin: wfm } = await goldenSandbox();
    cleanup.push(() => sandbox.close());
    const config = testConfig({ brokers: brokers!, sandboxUrl: sandbox.url, partitions: 3, rulesFile });
    // "partitions assigned" is logged at info: the restart measurement reads it
    config.log.level = 'info';
    const admin = kafka.admin();
    await admin.connect();
    cleanup.push(() => admin.disconnect());
    await createTopics(admin, config);
    const file = configFile(config);
    const t = config.kafka.topics;
    const bursts = eventTimeBursts(p.stream.lines, p.burstMinutes * MIN);

    let n = 0;
    const start = () => {
      const i = startInstance(file, `a${n++}`);
      children.push(i);
      cleanup.push(() => kill9(i));
      return i;
    };
    if (p.backlog) await produceBursts(config.kafka.brokers, t.events, bursts, 0);
    const live: Instance[] = Array.from({ length: p.instances }, start);
    const stages = await assignedStages(live[0]!, 60_000);

    // kills land at even points of the stream's last third — the golden week, whose surge makes
    // the adjustments — the instances in turn; the restart's time to hold partitions again is
    // measured on its own while the bursts go on
    const lastThird = Math.floor((2 * bursts.length) / 3);
    const killAt = new Set(
      Array.from(
        { length: p.kills },
        (_, k) => lastThird + Math.floor(((k + 1) * (bursts.length - lastThird)) / (p.kills + 1)),
      ),
    );
    const restartAt = p.brokerRestart ? Math.floor(bursts.length / 2) : -1;
    const measuring: Array<Promise<number | undefined>> = [];
    if (!p.backlog) {
      for (const [i, burst] of bursts.entries()) {
        if (killAt.has(i)) {
          const victim = measuring.length % live.length;
          await kill9(live[victim]!);
          const restarted = start();
          live[victim] = restarted;
          measuring.push(assignedAfterStart(restarted, stages, 60_000));
        }
        if (i === restartAt && ownPort !== undefined) await restartLocalBroker(ownPort);
        await produceBursts(config.kafka.brokers, t.events, [burst], PAUSE_MS);
      }
    }
    const assigned = await Promise.all(measuring);
    await drained(admin, config.kafka.groupId, t.events, t.repartition);
    const ledger = await ledgerSettled(() => wfm.ledger(), 8_000);

    const [outcomes, dead] = await Promise.all([
      readCommitted(kafka, t.outcomes),
      readCommitted(kafka, t.deadLetter),
    ]);
    const made = new Set(appliedWrites(ledger).map((w) => w.split(' ')[2]!));
    for (const r of outcomes) {
      const o = JSON.parse(r.value ?? '{}') as { key?: string; status?: string };
      if (o.status === 'already-applied' && o.key) made.add(o.key);
    }
    const madeKeys = [...made].sort();
    const plannedSet = new Set(planned);
    const a = await account({ kafka, config, ledger });
    const { lateOther, duplicates } = eventDeadLetters(dead, p.stream.deliberate);
    return {
      ...base,
      planned: planned.length,
      made: madeKeys.length,
      equal: madeKeys.length === planned.length && madeKeys.every((k, i) => k === planned[i]),
      missing: planned.filter((k) => !made.has(k)),
      extra: madeKeys.filter((k) => !plannedSet.has(k)),
      lateOther,
      duplicates,
      lost: a.lost,
      appliedTwice: a.appliedTwice,
      assigned,
      seconds: (Date.now() - t0) / 1000,
    };
  } catch (err) {
    const last = children[children.length - 1]?.output().slice(-2_000) ?? '';
    return {
      ...base,
      seconds: (Date.now() - t0) / 1000,
      error: `${(err as Error).message.split('\n')[0]}${last ? `; last instance said: ${last.split('\n').slice(-3).join(' ')}` : ''}`,
    };
  } finally {
    for (const c of cleanup.reverse()) await c().catch(() => {});
  }
}

/**
 * Late dead letters other than the samples sent late on purpose, and duplicate dead letters
 * other than the samples sent twice on purpose. A deliberate sample counts once, late or
 * duplicate (the golden late sample repeats an earlier one: either is right); any more
 * dead letters of the same value are spurious duplicates.
 */
function eventDeadLetters(
  dead: ReadonlyArray<{ value: string | null; headers: Record<string, string> }>,
  deliberate: ReadonlyMap<string, number>,
): { lateOther: number; duplicates: number } {
  let lateOther = 0;
  let duplicates = 0;
  const seen = new Map<string, number>();
  for (const d of dead) {
    const code = d.headers[DLQ_HEADERS.code];
    if (code !== 'TR_ERR_EVENT_LATE' && code !== 'TR_ERR_EVENT_DUPLICATE') continue;
    const v = d.value ?? '';
    const allowed = deliberate.get(v) ?? 0;
    const count = (seen.get(v) ?? 0) + 1;
    seen.set(v, count);
    if (count <= allowed) continue;
    if (code === 'TR_ERR_EVENT_LATE' && allowed === 0) lateOther++;
    else duplicates++;
  }
  return { lateOther, duplicates };
}

// ---- watching the instances ----------------------------------------------------------

/** Each stage's first "partitions assigned" with partitions in it, as wall-clock times. */
function watchAssigned(i: Instance): Map<string, number> {
  const at = new Map<string, number>();
  let buffered = '';
  i.child.stdout?.on('data', (d) => {
    buffered += String(d);
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const l of lines) {
      if (!l.includes('partitions assigned')) continue;
      try {
        const e = JSON.parse(l) as { stage?: string; partitions?: number[] };
        if (e.stage && e.partitions?.length && !at.has(e.stage)) at.set(e.stage, Date.now());
      } catch {
        // a line that is not pino's JSON says nothing about assignment
      }
    }
  });
  return at;
}

/** The stages an instance runs, once each holds partitions (the first instance's, at start). */
async function assignedStages(i: Instance, timeoutMs: number): Promise<Set<string>> {
  const at = watchAssigned(i);
  let size = -1;
  let since = Date.now();
  const deadline = Date.now() + timeoutMs;
  // every stage of a lone first instance logs within moments of the others; 3 s without a new one ends it
  while (Date.now() < deadline) {
    await sleep(200);
    if (at.size !== size) {
      size = at.size;
      since = Date.now();
    } else if (size > 0 && Date.now() - since > 3_000) break;
  }
  if (at.size === 0) throw new Error(`instance logged no "partitions assigned" in ${timeoutMs} ms`);
  return new Set(at.keys());
}

/** Seconds from a restarted instance's start to every stage in `stages` holding partitions. */
async function assignedAfterStart(
  i: Instance,
  stages: ReadonlySet<string>,
  timeoutMs: number,
): Promise<number | undefined> {
  const started = Date.now();
  const at = watchAssigned(i);
  while (Date.now() - started < timeoutMs) {
    if ([...stages].every((s) => at.has(s))) return (Math.max(...at.values()) - started) / 1000;
    await sleep(100);
  }
  return undefined;
}

// ---- settling ------------------------------------------------------------------------

async function committed(
  admin: ReturnType<typeof kafka.admin>,
  groupId: string,
  topic: string,
): Promise<number> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (offsets?.partitions ?? []).reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
}

/** Every event repartitioned, and the rules group's offsets still for 5 s. */
async function drained(
  admin: ReturnType<typeof kafka.admin>,
  groupId: string,
  events: string,
  repartition: string,
): Promise<void> {
  const g = groupIds(groupId);
  let last = -1;
  let since = 0;
  const deadline = Date.now() + 300_000;
  for (;;) {
    if (Date.now() > deadline) throw new Error('the pipeline did not drain in 300 s');
    const ends = await admin.fetchTopicOffsets(events);
    const total = ends.reduce((s, e) => s + Number(e.high), 0);
    if ((await committed(admin, g.repartition, events)) >= total) {
      const rules = await committed(admin, g.rules, repartition);
      if (rules !== last) {
        last = rules;
        since = Date.now();
      } else if (Date.now() - since >= 5_000) return;
    }
    await sleep(500);
  }
}

/** The ledger once it has not grown for `quietMs`. */
async function ledgerSettled<T>(read: () => Promise<T[]>, quietMs: number): Promise<T[]> {
  let last = -1;
  let since = Date.now();
  const deadline = Date.now() + 180_000;
  for (;;) {
    const l = await read();
    if (l.length !== last) {
      last = l.length;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return l;
    if (Date.now() > deadline) throw new Error('the ledger was still growing after 180 s');
    await sleep(500);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// ---- report --------------------------------------------------------------------------

function assignedText(r: Row): string {
  if (r.assigned.length === 0) return '–';
  return r.assigned.map((s) => (s === undefined ? 'not seen' : s.toFixed(1))).join(', ');
}

function line(r: Row): string {
  if (r.error) return `${r.pattern}: FAILED after ${r.seconds.toFixed(0)} s: ${r.error}`;
  const diff = r.equal
    ? ''
    : `  (plan's not made: ${r.missing.slice(0, 5).join(' ')}${r.missing.length > 5 ? ' …' : ''}; made, not plan's: ${r.extra.slice(0, 5).join(' ')}${r.extra.length > 5 ? ' …' : ''})`;
  return `${r.pattern}: ${r.events} events, adjustments ${r.planned}/${r.made} ${r.equal ? 'equal' : 'DIFFER'}, late ${r.lateOther}, duplicates ${r.duplicates}, lost ${r.lost}, twice ${r.appliedTwice}, restart → assigned ${assignedText(r)} s, ${r.seconds.toFixed(0)} s${diff}`;
}

function report(all: Row[]): void {
  const ok = all.filter((r) => !r.error);
  const restarts = ok.flatMap((r) => r.assigned);
  const seen = restarts.filter((s): s is number => s !== undefined);
  const worst = seen.length ? Math.max(...seen) : undefined;
  const sum = (k: 'lateOther' | 'duplicates' | 'lost' | 'appliedTwice') => ok.reduce((s, r) => s + r[k], 0);
  const figures = {
    quick: QUICK,
    patterns: all.map((r) => ({
      pattern: r.pattern,
      events: r.events,
      planned: r.planned,
      made: r.made,
      equal: r.equal,
      lateOther: r.lateOther,
      duplicates: r.duplicates,
      lost: r.lost,
      appliedTwice: r.appliedTwice,
      restartToAssignedS: r.assigned,
      seconds: Math.round(r.seconds),
      ...(r.error ? { error: r.error } : {}),
    })),
    skipped: skipped ?? null,
  };
  const equal = ok.filter((r) => r.equal).length;
  const bars: Bar[] = [
    {
      name: "patterns whose adjustments equal plan's, key for key",
      target: all.length,
      actual: equal,
      ok: equal === all.length,
    },
    {
      name: 'events dead-lettered late other than those sent late',
      target: 0,
      actual: sum('lateOther'),
      ok: sum('lateOther') === 0 && ok.length === all.length,
    },
    {
      name: 'lost (ledger)',
      target: 0,
      actual: sum('lost'),
      ok: sum('lost') === 0 && ok.length === all.length,
    },
    {
      name: 'applied twice (ledger)',
      target: 0,
      actual: sum('appliedTwice'),
      ok: sum('appliedTwice') === 0 && ok.length === all.length,
    },
    {
      name: 'duplicate dead letters other than the samples sent twice',
      target: 0,
      actual: sum('duplicates'),
      ok: sum('duplicates') === 0 && ok.length === all.length,
    },
    {
      name: 'restart after kill -9 → partitions assigned, worst (s)',
      target: `≤ ${ASSIGNED_BAR_S}`,
      actual: worst === undefined ? 'not measured' : `${worst.toFixed(1)} (${restarts.length} restarts)`,
      ok: worst !== undefined && seen.length === restarts.length && worst <= ASSIGNED_BAR_S,
    },
  ];
  const table = [
    '| pattern | events | adjustments plan / made | equal | late other than deliberate | duplicates | lost | applied twice | restart → assigned (s) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...all.map((r) =>
      r.error
        ? `| ${r.pattern} | ${r.events} | failed: ${r.error.replaceAll('|', '/')} | | | | | | |`
        : `| ${r.pattern} | ${r.events} | ${r.planned} / ${r.made} | ${r.equal ? 'yes' : `no (${r.missing.length} of plan's not made, ${r.extra.length} not plan's)`} | ${r.lateOther} | ${r.duplicates} | ${r.lost} | ${r.appliedTwice} | ${assignedText(r)} |`,
    ),
  ];
  process.stdout.write(`\n${table.join('\n')}\n\n`);
  printBars(bars);
  if (!values['no-docs']) writeDocs(table, bars);
  finalLine('arrivals', m, figures, bars);
}

function writeDocs(table: string[], bars: Bar[]): void {
  const date = new Date().toISOString().slice(0, 10);
  const body = [
    `Measured ${date} by \`npm run bench:arrivals${QUICK ? ' -- --quick' : ''}\` on ${m.cpu} (${m.cores} cores), Node ${m.node}; the Kafka broker`,
    `(${ownPort === undefined ? 'KAFKA_BROKERS' : 'single-node KRaft, started by the bench'}), the WFM sandbox and every \`trunk-reactor run\` on the same machine.${QUICK ? ' **Quick run**: the 1-minute bursts and one kill only.' : ''}`,
    'kcat (librdkafka) sends the golden APAC stream (15 trunks, 42 h; for the kill runs that stream',
    `${QUICK ? 'twice' : 'three times'}, each copy a week before the next) in one produce call per burst, keyed by trunk id over 3 partitions,`,
    `${PAUSE_MS} ms apart. "plan" is \`trunk-reactor plan\`'s dry run on the same events and schedule; "made" the`,
    "sandbox ledger's keys and `already-applied` outcomes. The golden stream sends one sample twice and one 40",
    'minutes late on purpose (per copy): those dead letters are not counted. The schedule holds the golden',
    "week only, so the earlier copies make no adjustment (plan's none either); the kills land in the last third",
    "of the stream, the golden week, while its surge's bursts arrive.",
    '"restart → assigned" is from a restarted instance\'s start (the process spawned) to every one of its',
    'stages logging `partitions assigned` with partitions.',
    ...(skipped ? ['', `${skipped}.`] : []),
  ];
  writeDocSection(new URL('../docs/reliability.md', import.meta.url), '## bench:arrivals', [
    ...body,
    '',
    ...table,
    '',
    ...barsTable(bars),
  ]);
}
