/**
 * npm run bench:pipeline — the Kafka pipeline on a real broker (KAFKA_BROKERS, or one this
 * bench starts and stops), side by side in one run:
 *
 * (a) a bare kafkajs consumer that does nothing with the messages, and
 * (b) the trunk-reactor rules stage (consume, validate, evaluate, plan, produce adjustments
 *     and the partition's state record transactionally, offsets in the same transaction),
 *     over the same 1,000,000 pre-loaded events (1,000 trunks, 4 partitions);
 * (c) latency from producing an event to the WFM write it causes, with the whole pipeline
 *     (rules → adjustments → writer → WFM sandbox over HTTP) fed at 5,000 events/s;
 * (d) peak RSS of the reactor process while (b) and (c) run.
 *
 * The reactor runs in a child process (bench/pipeline-reactor.ts), as `trunk-reactor run`
 * would: this process pre-loads and produces the events, runs the bare consumer and the WFM
 * sandbox, and measures. Prints a table, writes docs/benchmarks.md (section
 * "## bench:pipeline"), and ends with one line of JSON.
 *
 * Knobs: TR_BENCH_EVENTS (default 1,000,000; docs are written only for the full run),
 * TR_BENCH_PARTITIONS (4), TR_BENCH_LATENCY_SECONDS (20), TR_BENCH_ONLY=throughput|latency,
 * TR_BENCH_NO_DOCS=1, TR_BENCH_PROFILE=/tmp/p (CPU profiles of the reactor during (b) and (c):
 * /tmp/p-rules-stage.cpuprofile, /tmp/p-latency.cpuprofile), TR_BENCH_DEBUG=1 (the reactor's
 * logs).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { ensureTopics, pipelineTopics } from '../src/kafka/topics.js';
import { generateSchedule } from '../src/sandbox/generate.js';
import { startSandbox } from '../src/sandbox/server.js';
import { freePortPair, startLocalBroker, stopLocalBroker } from '../test/kafka/local-broker.js';
import type { ReactorArgs, ReactorReport } from './pipeline-reactor.js';
import { BASE, benchConfig, CONFIG, eventLine, trunk } from './support/pipeline-workload.js';

/** Where the time goes (CPU profiles and TR_BENCH_DEBUG timings on this machine); kept with the figures. */
const ANALYSIS = [
  'Where the time goes (CPU profiles and `TR_BENCH_DEBUG=1` timings, this machine):',
  '',
  '- **(b) rules stage.** The bare consumer only moves bytes; the rules stage decodes each event',
  '  (zod, and luxon to parse `eventTime`), evaluates, plans and commits a transaction per fetched',
  "  batch per partition with the partition's state record. About a third of the wall time the Node",
  '  process is idle waiting for the broker, which runs on the same two cores: a transaction is',
  '  five requests (state record, records, AddOffsetsToTxn, TxnOffsetCommit, EndTxn) at 20–50 ms',
  '  each here. Of the CPU time, luxon is the largest single item (event-time parsing in the',
  '  decoder, and the planner building schedule views: about 100 ms per intent with a 400-agent',
  '  team over a week of shifts, 15 ms over one day — the bench reads one day). GC is about 10%.',
  '  What would close the gap: parse `eventTime` without luxon in the decoder (a fixed-format',
  "  ISO-8601 fast path), build the planner's schedule view once per cache fill instead of per",
  '  intent, larger fetches per partition for the rules stage (fewer transactions and snapshots),',
  '  and a broker on its own cores.',
  '- **(c) latency.** The run makes about 5 surges a second (one trunk in ten runs hot once),',
  '  each one intent → one extension; it varies a lot run to run (p50 0.16–1.2 s, p99 0.5–2.7 s',
  '  over about 40 writes in five runs). Per hop (`TR_BENCH_DEBUG=1`): the rules stage sees a',
  '  sample 0.3–1.4 s after it was produced in the slow runs (producer acks take 2–60 ms): its',
  '  cycle is fetch → process → one transaction per partition, and a transaction costs 150–400 ms',
  '  against this broker (five requests at 20–50 ms plus markers); the planner takes 5–100 ms per',
  '  intent inside the batch (WFM reads and luxon schedule views); the writer stage picks the',
  '  adjustment up after the commit and the WFM write takes 30–500 ms. With 10× the surges (50',
  '  intents a second; an earlier version of this bench) the planner work inside the rules stage',
  '  exceeds a second per second and the stage falls behind: p50 4.9 s, p99 11.8 s. Closing the',
  '  gap to 250 ms needs a broker that answers in ~1 ms (not sharing two cores with the',
  "  pipeline), planning outside the rules stage's batch (the planning-stage design in",
  '  docs/pipeline.md, which would also parallelise it by team), and the sandbox in its own process.',
  '- **(d) RSS.** The bench process holds the kafkajs clients, the engine state of 1,000 trunks',
  '  (plus, in (c), the writer, the planner caches and the in-process WFM sandbox with 4,000',
  '  agents); the figure includes V8 heap not yet returned after the pre-load. A separate',
  '  process per phase would measure the stage alone.',
];

// ---- broker ----------------------------------------------------------------------
let ownBroker: number | undefined;
let brokers = process.env.KAFKA_BROKERS?.split(',');
let reactor: ChildProcess | undefined;
if (!brokers) {
  // the test broker caps the JIT at C1 to start fast; a benchmark wants its steady-state speed
  process.env.KAFKA_JVM_PERFORMANCE_OPTS ??= '-XX:+UseSerialGC';
  const b = await startLocalBroker(await freePortPair());
  ownBroker = b.port;
  brokers = [b.brokers];
}
// a broker this bench started, or a reactor it forked, must not outlive it: Ctrl-C, kill, or
// stdout closed (`| head`)
const bail = () => {
  reactor?.kill('SIGKILL');
  void (ownBroker === undefined ? Promise.resolve() : stopLocalBroker(ownBroker, { purge: true })).finally(
    () => process.exit(130),
  );
};
process.once('SIGINT', bail);
process.once('SIGTERM', bail);
process.stdout.on('error', bail);
const kafka = new Kafka({ clientId: 'bench-pipeline', brokers, logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();

try {
  const only = process.env.TR_BENCH_ONLY;
  if (only === 'latency') await latencyRun();
  else {
    const through = await throughput();
    if (only !== 'throughput') report(through, await latencyRun());
  }
} finally {
  await admin.disconnect().catch(() => {});
  if (ownBroker !== undefined) await stopLocalBroker(ownBroker, { purge: true });
}

// ---- the reactor process -----------------------------------------------------------
/**
 * The reactor runs with the heap limit the Dockerfile ships (NODE_OPTIONS there), so (d) is
 * the RSS of the process as deployed; TR_BENCH_NODE_OPTIONS replaces it ('' for V8's default).
 */
function reactorNodeOptions(): string[] {
  return (process.env.TR_BENCH_NODE_OPTIONS ?? dockerfileNodeOptions()).split(' ').filter(Boolean);
}

function dockerfileNodeOptions(): string {
  const dockerfile = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8');
  return /^ENV NODE_OPTIONS=(.*)$/m.exec(dockerfile)?.[1]?.trim() ?? '';
}

function startReactor(args: ReactorArgs, onReport: (r: ReactorReport) => void): Promise<number> {
  const child = fork(new URL('./pipeline-reactor.ts', import.meta.url).pathname, [JSON.stringify(args)], {
    execArgv: ['--import', 'tsx', ...reactorNodeOptions()],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  reactor = child;
  child.on('message', (m) => onReport(m as ReactorReport));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      reactor = undefined;
      if (code === 0) resolve(0);
      else reject(new Error(`the reactor process exited with code ${code}`));
    });
  });
}

async function produceLines(producer: Producer, topic: string, lines: string[]): Promise<void> {
  await producer.send({
    topic,
    messages: lines.map((value) => ({ key: /"trunkId":"([^"]+)"/.exec(value)?.[1] ?? null, value })),
  });
}

// ---- (a) and (b) -----------------------------------------------------------------
interface Throughput {
  bareEventsPerSec: number;
  rulesEventsPerSec: number;
  adjustments: number;
  peakRssMiB: number;
}

async function throughput(): Promise<Throughput> {
  const id = `bp${randomUUID().slice(0, 6)}`;
  const config = benchConfig(id, brokers!);
  await ensureTopics(admin, pipelineTopics(config.kafka));
  const topic = config.kafka.topics.events;

  // pre-load: one sample per trunk every 10 s of event time, a random walk with surges
  process.stdout.write(`pre-loading ${CONFIG.events.toLocaleString('en')} events… `);
  const loadStart = Date.now();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  let seed = 42;
  const rand = () => {
    seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const level = Array.from({ length: CONFIG.trunks }, () => 0.5 + rand() * 0.3);
  let batch: string[] = [];
  for (let n = 0; n < CONFIG.events; n++) {
    const tick = Math.floor(n / CONFIG.trunks);
    const i = n % CONFIG.trunks;
    level[i] = Math.min(1, Math.max(0, level[i]! + (rand() - 0.5) * 0.04));
    const u = Math.min(1, Math.max(0, level[i]! + Math.sin(tick / 180) * 0.2));
    batch.push(eventLine(i, BASE + tick * 10_000, u));
    if (batch.length === 8_000) {
      await produceLines(producer, topic, batch);
      batch = [];
    }
  }
  if (batch.length > 0) await produceLines(producer, topic, batch);
  await producer.disconnect();
  process.stdout.write(`${((Date.now() - loadStart) / 1000).toFixed(1)} s\n`);

  // (a) a bare consumer, kafkajs defaults
  const bare = kafka.consumer({ groupId: `${id}-bare` });
  let seen = 0;
  await bare.connect();
  await bare.subscribe({ topic, fromBeginning: true });
  const aStart = Date.now();
  await bare.run({
    partitionsConsumedConcurrently: CONFIG.partitions,
    eachBatch: async ({ batch: b }) => {
      seen += b.messages.length;
    },
  });
  while (seen < CONFIG.events) await sleep(20);
  const aSeconds = (Date.now() - aStart) / 1000;
  await bare.disconnect();
  process.stdout.write(`(a) bare consumer: ${fmt(CONFIG.events / aSeconds)} events/s\n`);

  // (b) the rules stage, in the reactor process
  let result: Extract<ReactorReport, { type: 'throughput' }> | undefined;
  let peakRssMiB = 0;
  await startReactor({ phase: 'throughput', id, brokers: brokers! }, (r) => {
    if (r.type === 'throughput') result = r;
    if (r.type === 'done') peakRssMiB = r.peakRssMiB;
  });
  if (!result) throw new Error('the reactor reported no throughput');
  process.stdout.write(
    `(b) rules stage: ${fmt(result.eventsPerSec)} events/s (${result.adjustments} adjustments), peak RSS ${Math.round(peakRssMiB)} MiB\n`,
  );
  return {
    bareEventsPerSec: CONFIG.events / aSeconds,
    rulesEventsPerSec: result.eventsPerSec,
    adjustments: result.adjustments,
    peakRssMiB,
  };
}

// ---- (c) -------------------------------------------------------------------------

interface Latency {
  writes: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  eventsPerSec: number;
  peakRssMiB: number;
}

async function latencyRun(): Promise<Latency> {
  const id = `bl${randomUUID().slice(0, 6)}`;
  const wallStart = Date.now();
  const sandbox = await startSandbox({
    port: 0,
    snapshot: generateSchedule(CONFIG.schedule),
    clockStart: BASE + (Date.now() - wallStart),
    behaviour: { rateLimitPerMinute: 0 },
  });
  const config = benchConfig(id, brokers!, sandbox.url);
  await ensureTopics(admin, pipelineTopics(config.kafka));

  // the WFM write an event causes: the sample named by the adjustment's reason
  const producedAt = new Map<string, number>();
  const latencies: number[] = [];
  let ready!: () => void;
  const isReady = new Promise<void>((r) => {
    ready = r;
  });
  let peakRssMiB = 0;
  const exited = startReactor(
    { phase: 'latency', id, brokers: brokers!, sandboxUrl: sandbox.url, wallStart },
    (r) => {
      if (r.type === 'ready') ready();
      if (r.type === 'done') peakRssMiB = r.peakRssMiB;
      if (r.type === 'applied' && r.status === 'applied') {
        const at = producedAt.get(`${r.trunkId}|${r.eventTime}`);
        if (at !== undefined) latencies.push(r.at - at);
      }
    },
  );
  await Promise.race([isReady, exited]);
  await sleep(3_000); // group joins settle before the clock of the measurement starts

  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const { eventsPerSec, seconds, warmupSeconds } = CONFIG.latency;
  const tickMs = 10;
  const perTick = (eventsPerSec * tickMs) / 1000;
  const start = Date.now();
  let sent = 0;
  let n = 0;
  const inFlight = new Set<Promise<unknown>>();
  while (Date.now() - start < seconds * 1000) {
    const due = Math.floor(((Date.now() - start) / tickMs) * perTick);
    const lines: string[] = [];
    const now = Date.now();
    const eventTime = BASE + (now - wallStart);
    const second = Math.floor((now - start) / 1000);
    for (; sent < due; sent++, n++) {
      const i = n % CONFIG.trunks;
      // one trunk in ten runs hot, in one second of the run after the first warmupSeconds:
      // about 5 surges a second in the steady state (the first seconds see the pipeline read
      // the teams' schedules for the day, a cold start this figure is not about)
      const hot = i % 10 === 0 && warmupSeconds + (((i / 10) * 7) % (seconds - warmupSeconds)) === second;
      const u = hot ? 0.99 : 0.5 + ((i * 13 + n) % 30) / 100;
      if (hot) {
        producedAt.set(`${trunk(i).trunkId}|${eventTime}`, now);
        if (process.env.TR_BENCH_DEBUG)
          process.stderr.write(`trace ${trunk(i).trunkId}|${eventTime} produced ${now}\n`);
      }
      lines.push(eventLine(i, eventTime, u));
    }
    if (lines.length > 0) {
      const p = produceLines(producer, config.kafka.topics.events, lines).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await sleep(tickMs);
  }
  await Promise.all(inFlight);
  const elapsed = (Date.now() - start) / 1000;
  await producer.disconnect();
  // let the last writes land
  let last = -1;
  while (latencies.length !== last) {
    last = latencies.length;
    await sleep(2_000);
  }
  reactor?.send('stop');
  await exited;
  await sandbox.close();
  latencies.sort((a, b) => a - b);
  if (process.env.TR_BENCH_DEBUG) process.stdout.write(`latencies (ms): ${latencies.join(' ')}\n`);
  const q = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? Number.NaN;
  const out = {
    writes: latencies.length,
    p50Ms: q(0.5),
    p99Ms: q(0.99),
    maxMs: latencies[latencies.length - 1] ?? Number.NaN,
    eventsPerSec: sent / elapsed,
    peakRssMiB,
  };
  process.stdout.write(
    `(c) event → WFM write at ${fmt(out.eventsPerSec)} events/s: p50 ${out.p50Ms} ms, p99 ${out.p99Ms} ms over ${out.writes} writes, reactor peak RSS ${Math.round(peakRssMiB)} MiB\n`,
  );
  return out;
}

// ---- report ----------------------------------------------------------------------
function report(t: Throughput, l: Latency): void {
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    node: process.version,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    platform: `${process.platform}-${process.arch}`,
  };
  const ratio = t.rulesEventsPerSec / t.bareEventsPerSec;
  const rss = Math.max(t.peakRssMiB, l.peakRssMiB);
  const figures = {
    events: CONFIG.events,
    trunks: CONFIG.trunks,
    partitions: CONFIG.partitions,
    bareEventsPerSec: Math.round(t.bareEventsPerSec),
    rulesStageEventsPerSec: Math.round(t.rulesEventsPerSec),
    ratio: Math.round(ratio * 100) / 100,
    adjustments: t.adjustments,
    latencyEventsPerSec: Math.round(l.eventsPerSec),
    latencyWrites: l.writes,
    latencyP50Ms: l.p50Ms,
    latencyP99Ms: l.p99Ms,
    latencyMaxMs: l.maxMs,
    peakRssMiB: Math.round(rss),
  };
  const bars = [
    { name: 'rules stage / bare consumer', target: 0.7, actual: figures.ratio, ok: ratio >= 0.7 },
    {
      name: 'rules stage events/s',
      target: 50_000,
      actual: figures.rulesStageEventsPerSec,
      ok: t.rulesEventsPerSec >= 50_000,
    },
    { name: 'event → WFM write p99 (ms)', target: 250, actual: l.p99Ms, ok: l.p99Ms < 250 },
    { name: 'peak RSS (MiB)', target: 300, actual: figures.peakRssMiB, ok: rss < 300 },
  ];
  const rows: Array<[string, string]> = [
    ['machine', `${machine.cpu}, ${machine.cores} cores, Node ${machine.node}`],
    ['(a) bare kafkajs consumer', `${fmt(figures.bareEventsPerSec)} events/s`],
    [
      '(b) rules stage',
      `${fmt(figures.rulesStageEventsPerSec)} events/s (${fmt(t.adjustments)} adjustments)`,
    ],
    ['b / a', String(figures.ratio)],
    [
      '(c) event → WFM write',
      `p50 ${l.p50Ms} ms, p99 ${l.p99Ms} ms (${l.writes} writes, ${fmt(l.eventsPerSec)} events/s)`,
    ],
    ['(d) peak RSS', `${figures.peakRssMiB} MiB`],
  ];
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(28)} ${v}\n`);
  for (const b of bars)
    process.stdout.write(`${b.ok ? 'ok    ' : 'MISSED'} ${b.name}: ${b.actual} (target ${b.target})\n`);
  if (!process.env.TR_BENCH_NO_DOCS && CONFIG.events === 1_000_000) writeDocs(machine, figures, bars, t, l);
  process.stdout.write(`${JSON.stringify({ bench: 'pipeline', machine, figures, bars })}\n`);
}

function writeDocs(
  machine: { cpu: string; cores: number; node: string },
  figures: Record<string, number>,
  bars: Array<{ name: string; target: number; actual: number; ok: boolean }>,
  t: Throughput,
  l: Latency,
): void {
  const path = new URL('../docs/benchmarks.md', import.meta.url);
  const date = new Date().toISOString().slice(0, 10);
  const section = [
    '## bench:pipeline',
    '',
    `Measured ${date} by \`npm run bench:pipeline\` on ${machine.cpu} (${machine.cores} cores), Node ${machine.node}; the`,
    'Kafka broker (single-node KRaft, `scripts/kafka/start.sh`) runs on the same two cores.',
    '',
    '| figure | value |',
    '| --- | --- |',
    `| workload | ${fmt(CONFIG.events)} pre-loaded events, ${fmt(CONFIG.trunks)} trunks, ${CONFIG.partitions} partitions, 10 trunk-scoped rules |`,
    `| (a) bare kafkajs consumer | ${fmt(t.bareEventsPerSec)} events/s |`,
    `| (b) rules stage | **${fmt(t.rulesEventsPerSec)} events/s** (${fmt(t.adjustments)} adjustments) |`,
    `| b / a | **${figures.ratio}** |`,
    `| (c) event produced → WFM write, ${fmt(l.eventsPerSec)} events/s | p50 **${l.p50Ms} ms**, p99 **${l.p99Ms} ms**, max ${l.maxMs} ms (${l.writes} writes) |`,
    `| (d) peak RSS of the reactor process during (b) and (c) | **${figures.peakRssMiB} MiB** |`,
    '',
    '| bar | target | actual | |',
    '| --- | --- | --- | --- |',
    ...bars.map(
      (b) =>
        `| ${b.name} | ${b.name.includes('p99') || b.name.includes('RSS') ? '<' : '≥'} ${num(b.target)} | ${num(b.actual)} | ${b.ok ? 'ok' : 'missed'} |`,
    ),
    '',
    'How it is measured: (a) and (b) read the same topic from the beginning in fresh consumer groups, timed from',
    '`run()` until every message was seen (a) or its processing committed (b); (b) is the rules stage `run --role rules`',
    'builds (`Pipeline`), with the planner reading a generated schedule from memory. (c) runs the whole pipeline in this',
    'process against the WFM sandbox over HTTP; event time runs at wall-clock pace, one trunk in ten runs hot in one second of',
    'the run, a trunk-scoped rule turns that one sample into an extension, and the latency is from the producer `send`',
    "of that sample to the writer's `applied` outcome (the WFM answered the PATCH). `allowedLateness` is 0 s there: a",
    'reorder buffer of N seconds holds each sample back N seconds of event time by design. The workload is in',
    '`bench/pipeline.ts`.',
    '',
    ...ANALYSIS,
    '',
  ].join('\n');
  let text = existsSync(path)
    ? readFileSync(path, 'utf8')
    : '# Benchmarks\n\nFigures written by the benchmark scripts; each owns its section.\n\n';
  const start = text.indexOf('## bench:pipeline');
  if (start === -1) {
    text = `${text.trimEnd()}\n\n${section}`;
  } else {
    const next = text.indexOf('\n## ', start + 1);
    text = `${text.slice(0, start)}${section}${next === -1 ? '' : text.slice(next + 1)}`;
  }
  writeFileSync(path, text.endsWith('\n') ? text : `${text}\n`);
}

/** a ratio keeps its decimals, a count gets thousands separators */
function num(n: number): string {
  return Math.abs(n) < 10 ? String(n) : fmt(n);
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en');
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
