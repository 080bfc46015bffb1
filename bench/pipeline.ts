/**
 * npm run bench:pipeline — the Kafka pipeline on a real broker (KAFKA_BROKERS, or one this
 * bench starts and stops), side by side in one run:
 *
 * (a) a bare kafkajs consumer that does nothing with the messages, and
 * (b) the trunk-reactor rules stage (consume, validate, evaluate, send intents, commit the
 *     partition's state record and offsets transactionally) with the planning stage beside it
 *     in the same process turning the intents into adjustments (produced transactionally with
 *     its offsets); timed until both have committed everything,
 *     over the same 1,000,000 pre-loaded events (1,000 trunks, 4 partitions);
 * (c) latency from producing an event to the WFM write it causes, with the whole pipeline
 *     (rules → adjustments → writer → WFM sandbox over HTTP) fed at 5,000 events/s, timed from
 *     the last input the decision needed (support/inputs-complete.ts) and from the event itself;
 * (d) peak RSS of the reactor process while (b) and (c) run.
 *
 * The reactor runs in a child process (bench/pipeline-reactor.ts), as `trunk-reactor run`
 * would: this process pre-loads and produces the events, runs the bare consumer and the WFM
 * sandbox, and measures. Prints a table, writes docs/benchmarks.md (section
 * "## bench:pipeline"), and ends with one line of JSON.
 *
 * (a) and (b) take turns TR_BENCH_ROUNDS times (default 3) and their medians are reported.
 *
 * Knobs: TR_BENCH_EVENTS (default 1,000,000; docs are written only for the full run),
 * TR_BENCH_PARTITIONS (4), TR_BENCH_LATENCY_SECONDS (40, timed after 10 of warm-up), TR_BENCH_ONLY=throughput|latency,
 * TR_BENCH_NO_DOCS=1, TR_BENCH_PROFILE=/tmp/p (CPU profiles of the reactor during (b) and (c):
 * /tmp/p-rules-stage.cpuprofile, /tmp/p-latency.cpuprofile), TR_BENCH_DEBUG=1 (the reactor's
 * logs).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { leanBatchInUse } from '../src/kafka/kafkajs/lean-batch.js';
import { leanRecordDecoderInUse } from '../src/kafka/kafkajs/record-decoder.js';
import { ensureTopics, pipelineTopics } from '../src/kafka/topics.js';
import { generateSchedule } from '../src/sandbox/generate.js';
import { startSandbox } from '../src/sandbox/server.js';
import { freePortPair, startLocalBroker, stopLocalBroker } from '../test/kafka/local-broker.js';
import type { BareArgs, BareReport } from './pipeline-bare.js';
import type { ReactorArgs, ReactorReport } from './pipeline-reactor.js';
import { InputsComplete } from './support/inputs-complete.js';
import { BASE, benchConfig, CONFIG, eventLine, roundConfig, trunk } from './support/pipeline-workload.js';
import { type Bar, finalLine, type Machine, machine, printBars, writeDocSection } from './support/report.js';
import { percentile } from './support/trend.js';

/** Where the time goes (CPU profiles and TR_BENCH_DEBUG timings on this machine); kept with the figures. */
const ANALYSIS = [
  'Where the time goes (`TR_BENCH_PROFILE` CPU profiles of the reactor process and `TR_BENCH_DEBUG=1`',
  'per-hop traces; on an Intel Xeon or an AMD EPYC, 2 cores each, as each figure says):',
  '',
  '- **(a) in a process of its own.** (a) runs in a fresh process started as the reactor of (b) is',
  "  (`--import tsx` and the Dockerfile's `NODE_OPTIONS`; `bench/pipeline-bare.ts`), so both sides",
  '  start cold. The same consumer in the bench process, warm from the pre-load and the earlier rounds,',
  '  reads 5–25% faster in rounds 1–2 and about the same by round 3; the table reports it beside, with',
  '  b / a against it.',
  '- **(b) rules stage.** The bare consumer is not idle either: its thread is busy the whole run,',
  '  almost all of it in kafkajs decoding records (offsets and timestamps parsed from strings into',
  '  BigInt-backed Longs and printed back, two of each per record) and in collecting what that',
  "  leaves. The rules stage avoids most of that: a lean record decoder takes the place of kafkajs'",
  '  in its module cache (`src/kafka/kafkajs/record-decoder.ts`, `lean-record.ts`), and its records',
  '  read key, value, headers, offset and timestamp from the fetched bytes when asked for (the rules',
  "  stage reads each value where it lies, no Buffer made); kafkajs' consumer `Batch` checks offsets",
  '  as numbers and shares or slices its message lists (`src/kafka/kafkajs/lean-batch.ts`); the',
  '  intents of a surge are sent together; the Dockerfile starts the old generation at 96 MB (with a',
  "  192 MB limit V8's smallest growing factor, 1.3x, makes 18–19 full collections in a replay;",
  '  starting at 96 MB, 5–9). What the reactor allocates over the 1,000,000 events (sampled heap',
  '  profile, `TR_BENCH_HEAP_PROFILE=1`): about 470 MB, of which 119 MB the samples (one object each),',
  '  97 MB the lean records, ~80 MB the planner (820 intents, 722 of them refused by a guardrail) and',
  '  the rest small. A stage takes two batches of a partition behind the one processing, so the next',
  '  fetch is under way while a fetch is processed, and a slice that a batch brings from behind to',
  '  the partition\'s end is cut at once (docs/pipeline.md, "Exactly-once effects"): the last',
  '  commit lands ~30 ms after the last batch. During (b) (AMD EPYC, round 2 of a profiled run) the',
  "  reactor's thread spends 16% reading events from their bytes (~500 ns each in place, ~330 in a",
  '  loop of their own: the bytes come fresh from the socket), 8% collecting garbage, 15% in the',
  '  rules engine (windows, reorder buffer, member watermark), 6% planning, ~20% in kafkajs, the',
  '  stage runtime and sockets, and is idle 9%, most of it the group join before the first batch.',
  "  The planner refuses a surge's candidates on a full team hour without the other guardrails once",
  "  it has reported the 25 skips an intent keeps, and answers a team's hours once per intent; the",
  '  rules stage reads the wall clock once per batch. Decoding and evaluating stay on the',
  "  consumer's thread: in a worker thread they ran slower on two cores shared with the broker. The",
  '  young generation keeps its default size: a larger one (`--max-semi-space-size=32`) made more',
  '  full collections, not fewer.',
  "- **Rounds of their own.** Each round's (b) has consumer groups and topics past the events of its",
  '  own, made before the first round. When the rounds shared them, the planning stage of rounds 2 and',
  "  3 (a fresh consumer group) planned the earlier rounds' intents again inside the timed run, the",
  "  rules stage's group join waited 400–600 ms behind it, and the rules stage then processed faster",
  '  than in round 1: (b) read 374,000–406,000 events/s in those rounds against 300,000–320,000 now,',
  '  b / a up to 0.75.',
  '- **Before and after the stage runtime in parts** (the guard of that rework): the same bench, one',
  '  right after the other on this machine, each with a broker of its own, `5001898` (the monolithic',
  '  transactional stage) against the runtime in parts with the Kafka client port and the one',
  '  instrumentation stream (`66b491e`): b / a 0.61 and 0.60 before, 0.64 and 0.66 after (two',
  '  throughput runs each, medians of 3 rounds); (c) p50 / p99 238 / 394 and 244 / 382 ms before,',
  '  236 / 389 and 224 / 424 after (two latency runs each). The rework costs neither.',
  "- **Against `88d9368`** (before the planner's fast refusal, the allocation cuts, two batches",
  '  behind and the end-of-backlog cut): the same bench, one right after the other on an AMD EPYC,',
  '  2 cores, each run with a broker of its own, (a) in a process of its own in both: b / a 0.60',
  '  before (b 323,206 events/s), 0.77 after (388,651); five more throughput runs of this code',
  '  read 0.76, 0.70, 0.62, 0.66 and 0.81 (the machine drifts: within an hour (b) moved between',
  '  about 270,000 and 400,000 events/s, (a) between 360,000 and 550,000); (c)',
  '  p99 333, 376 and 405 ms before, 402, 459 and 407 after (one full run and two latency runs each;',
  '  from the engine releasing the sample p99 115, 162, 186 against 178, 240, 189), with as many rules',
  '  and planning transactions per latency run (174 and 335 before, 172 and 339 after). The latency',
  '  moves more between runs than between the two; a cost of some tens of ms at p99 after is not',
  '  ruled out (not traced).',
  '- **The coordinator cache off and on** (`TR_KAFKAJS_COORDINATOR_CACHE=off`), one full run right after',
  '  the other on an Intel Xeon (2 cores), each with a broker of its own: b / a 0.75 off, 0.72 on ((b)',
  '  357,910 and 359,583 events/s); (c) from the last input a decision needed p99 121 and 135 ms. In a',
  '  round of (b) the rules and planning stages send ~800 requests, 211 of them FindCoordinator; with',
  "  the cache 683 and 60. Neither figure moves beyond the runs' spread: six throughput readings of",
  '  b / a on this machine the same day read 0.66, 0.67, 0.68, 0.72, 0.75 and 0.79 (three of six at',
  '  or over 0.7: (a) rises from ~340,000 to ~530,000 events/s as the broker warms over the rounds,',
  '  and its median moves more than (b)), and (c) from the last input p99 93–176 ms in eight runs.',
  '- **(c) latency.** Event time follows the slowest live member of a partition (docs/rules.md):',
  '  with `allowedLateness` 0 s a sample is evaluated once every trunk of its partition has sent one',
  '  at least as late, so that the planner meets intents in event-time order whatever order the',
  "  partitions' samples arrive in (the same events give the same adjustments). Each trunk here sends",
  '  a sample every 200 ms (1,000 trunks at 5,000 events/s), so a hot sample waits up to that long for',
  "  the trunks of its partition that sent just before it; that wait is the source's report period,",
  '  not work of the pipeline, and the bar is timed from the last of those samples. Per hop (Intel',
  '  Xeon, one traced run, p50 / p99): the hot sample produced → planning stage 213 / 273 ms, of which',
  '  all but a few ms is that wait; planning 1 / 5 ms; planned → the writer has it (the planning',
  "  transaction commits, the writer's read-committed fetch returns) 40 / 121 ms; the PATCH 6 / 30 ms.",
  '  The rules stage sends an intent the moment the engine makes it (outside its transaction, made',
  '  exactly-once downstream: docs/pipeline.md, "Intents outside the transaction"); the planning',
  "  stage plans it (the teams' schedules are read ahead when event time enters a day, and served",
  "  stale while they refresh) and commits the adjustment at the end of that batch. A second's surge",
  '  (~10 intents) lands on one planning partition: slices cut while a transaction waits are folded',
  '  into it (a burst commits in 2–5 transactions); partitions are taken over at assignment, so the',
  "  first adjustment of a partition does not wait for the producer's InitProducerId and the offset",
  '  read; transactions under 16 KiB are not gzipped (kafkajs gzips on the thread pool, behind the',
  "  rules stage's 100–400 KB state records); kafkajs' coordinator lookups, four of a transaction's",
  "  nine requests, are answered from the adapter's coordinator cache. The surges of the first ~4 s",
  '  after a start take 100–400 ms more from planned to the writer (the first transactions of every',
  '  stage on a fresh broker): the run leaves its first 10 s untimed. The latency counts `applied`',
  '  writes only.',
  '- **The intents path, measured.** The rules stage sends its intents outside its transaction',
  '  (docs/pipeline.md, "Intents outside the transaction"). Against a variant that puts them in its',
  '  transaction instead (a slice that made one cut at the end of its batch), taking turns on an AMD',
  '  EPYC (2 cores) while other work loaded it (load average 3–13): (c) p50 512 ms against 861, p99',
  '  1,837 against 3,131 (medians of 11 and 12 runs); event → planning stage p50 216–534 ms against',
  '  438–771 (five traced runs each). The variant committed 296–342 rules transactions per (c) run',
  "  against 176–201, each with its partition's state record (a slice cut, and the state taken, at",
  '  every batch that made an intent); its (b) read 149,000 and 86,000 events/s against 304,000 and',
  "  174,000 (two runs each). One more transaction on every adjustment's path adds to every write.",
  '- **(d) RSS.** The reactor process alone (the producer, bare consumer and sandbox live in the',
  '  bench process), with `--max-old-space-size=192 --initial-old-space-size=96` as the Dockerfile',
  '  sets them; without a limit V8 lets the heap grow to 330–350 MiB during the replay while the live',
  '  data stays under 100 MiB.',
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
// a broker this bench started, or a child it forked (reactor, bare consumer), must not outlive it: Ctrl-C, kill, or
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
  const value = /^ENV NODE_OPTIONS=(.*)$/m.exec(dockerfile)?.[1]?.trim() ?? '';
  return value.replace(/^"(.*)"$/, '$1');
}

function startReactor(args: ReactorArgs, onReport: (r: ReactorReport) => void): Promise<void> {
  return runChild('./pipeline-reactor.ts', args, 'the reactor', (m) => onReport(m as ReactorReport));
}

/**
 * A bench child process (the reactor, the bare consumer), started the same way for both:
 * `--import tsx` and the reactor's NODE_OPTIONS, an IPC channel for its reports. It is the
 * `reactor` that `bail` kills while it runs; settles when it exits (code 0, or an error).
 */
function runChild(
  script: string,
  args: unknown,
  name: string,
  onMessage: (m: unknown) => void,
): Promise<void> {
  const child = fork(new URL(script, import.meta.url).pathname, [JSON.stringify(args)], {
    execArgv: ['--import', 'tsx', ...reactorNodeOptions()],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  reactor = child;
  child.on('message', onMessage);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      reactor = undefined;
      if (code === 0) resolve();
      else reject(new Error(`${name} process exited with code ${code}`));
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
  /** medians of the rounds */
  bareEventsPerSec: number;
  rulesEventsPerSec: number;
  bareRuns: number[];
  rulesRuns: number[];
  /** (a) in the bench process, warm from the earlier rounds and the pre-load: for reference */
  warmBareEventsPerSec: number;
  warmBareRuns: number[];
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

  // (a) and (b) take turns, TR_BENCH_ROUNDS times (3), each in fresh consumer groups (and (b)
  // with fresh topics past the events: a fresh planning group would otherwise plan the earlier
  // rounds' intents again inside the timed run, its CPU delaying the rules stage's group join): the
  // broker warms up as it serves (the first reads of a run are the slowest), and a shared
  // two-core machine drifts, so one reading of each says little; the medians are reported
  const rounds = Math.max(1, Number(process.env.TR_BENCH_ROUNDS ?? 3));
  // the rounds' topics made now, not in a round's set-up: a topic's first transactions run slower
  for (let round = 1; round <= rounds; round++)
    await ensureTopics(admin, pipelineTopics(roundConfig(id, brokers!, round).kafka));
  // (a) is kafkajs as shipped: this process never puts the lean decoder or batch in place
  if (leanRecordDecoderInUse() || leanBatchInUse()) throw new Error('(a) must run on stock kafkajs');
  const bare: number[] = [];
  const warmBare: number[] = [];
  const rules: number[] = [];
  let adjustments = 0;
  let peakRssMiB = 0;
  for (let round = 1; round <= rounds; round++) {
    bare.push(await bareProcess(`${id}-bare-${round}`, topic));
    warmBare.push(await bareConsumer(`${id}-warm-${round}`, topic));
    const r = await rulesStage(id, round);
    rules.push(r.eventsPerSec);
    adjustments = r.adjustments;
    peakRssMiB = Math.max(peakRssMiB, r.peakRssMiB);
    process.stdout.write(
      `round ${round}/${rounds}: (a) bare consumer ${fmt(bare.at(-1)!)} events/s (in the bench process ${fmt(warmBare.at(-1)!)}), (b) rules stage ${fmt(r.eventsPerSec)} events/s (${r.adjustments} adjustments from ${fmt(r.intents)} intents; set-up before run() ${r.startupMs} ms${r.lean.decoder && r.lean.batch ? '' : `; lean decoder ${r.lean.decoder}, lean batch ${r.lean.batch}`}), peak RSS ${Math.round(r.peakRssMiB)} MiB\n`,
    );
  }
  return {
    bareEventsPerSec: percentile(bare, 50),
    rulesEventsPerSec: percentile(rules, 50),
    bareRuns: bare,
    rulesRuns: rules,
    warmBareEventsPerSec: percentile(warmBare, 50),
    warmBareRuns: warmBare,
    adjustments,
    peakRssMiB,
  };
}

/**
 * (a): a bare consumer with kafkajs as shipped and its defaults, in a process of its own started
 * as (b)'s reactor is, so that both start cold (pipeline-bare.ts); events/s until it saw them all.
 */
async function bareProcess(groupId: string, topic: string): Promise<number> {
  const args: BareArgs = {
    brokers: brokers!,
    groupId,
    topic,
    events: CONFIG.events,
    partitions: CONFIG.partitions,
  };
  let report: BareReport | undefined;
  await runChild('./pipeline-bare.ts', args, 'the bare consumer', (m) => {
    report = m as BareReport;
  });
  if (!report) throw new Error('the bare consumer process exited without a report');
  return report.eventsPerSec;
}

/**
 * (a) again in this process, for reference: kafkajs here is warm from the pre-load and the
 * earlier rounds, which the reactor process of (b) never is.
 */
async function bareConsumer(groupId: string, topic: string): Promise<number> {
  const bare = kafka.consumer({ groupId });
  let seen = 0;
  await bare.connect();
  await bare.subscribe({ topic, fromBeginning: true });
  const start = Date.now();
  await bare.run({
    partitionsConsumedConcurrently: CONFIG.partitions,
    eachBatch: async ({ batch: b }) => {
      seen += b.messages.length;
    },
  });
  while (seen < CONFIG.events) await sleep(20);
  const seconds = (Date.now() - start) / 1000;
  await bare.disconnect();
  return CONFIG.events / seconds;
}

/** (b): the rules stage in the reactor process, in a consumer group and output topics of the round's own. */
async function rulesStage(id: string, round: number) {
  let result: Extract<ReactorReport, { type: 'throughput' }> | undefined;
  let peakRssMiB = 0;
  await startReactor({ phase: 'throughput', id, round, brokers: brokers! }, (r) => {
    if (r.type === 'throughput') result = r;
    if (r.type === 'done') peakRssMiB = r.peakRssMiB;
  });
  if (!result) throw new Error('the reactor reported no throughput');
  return {
    eventsPerSec: result.eventsPerSec,
    adjustments: result.adjustments,
    intents: result.intents,
    startupMs: result.startupMs,
    lean: result.lean,
    peakRssMiB,
  };
}

// ---- (c) -------------------------------------------------------------------------

interface Latency {
  writes: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** from the rules engine releasing the sample (its event time passed) to the write */
  fromReleaseP50Ms: number;
  fromReleaseP99Ms: number;
  /** from the production of the last sample the decision needed (InputsComplete) to the write */
  fromInputsP50Ms: number;
  fromInputsP99Ms: number;
  fromInputsMaxMs: number;
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
  const fromRelease: number[] = [];
  /** [sample, when the WFM answered, when the engine released it] of each timed write */
  const applied: Array<[string, number, number | undefined]> = [];
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
        const key = `${r.trunkId}|${r.eventTime}`;
        const at = producedAt.get(key);
        if (at === undefined) return;
        latencies.push(r.at - at);
        applied.push([key, r.at, r.releasedAt]);
        if (r.releasedAt !== undefined) fromRelease.push(r.at - r.releasedAt);
      }
    },
  );
  await Promise.race([isReady, exited]);
  await sleep(3_000); // group joins settle before the clock of the measurement starts

  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const { eventsPerSec, seconds, warmupSeconds } = CONFIG.latency;
  const inputs = new InputsComplete(CONFIG.trunks, CONFIG.partitions);
  const tickMs = 10;
  const perTick = (eventsPerSec * tickMs) / 1000;
  const start = Date.now();
  let sent = 0;
  let n = 0;
  const inFlight = new Set<Promise<unknown>>();
  while (Date.now() - start < (warmupSeconds + seconds) * 1000) {
    const due = Math.floor(((Date.now() - start) / tickMs) * perTick);
    const lines: string[] = [];
    const now = Date.now();
    const eventTime = BASE + (now - wallStart);
    const second = Math.floor((now - start) / 1000);
    for (; sent < due; sent++, n++) {
      const i = n % CONFIG.trunks;
      // one trunk in ten runs hot in one second of every ten: about 10 surges a second, each a
      // new intent (cooldown 5 s). Those of the first warmupSeconds are not timed: they see the
      // pipeline read the teams' schedules for the day and the first transactions and writes of
      // every stage and of the broker (a cold start this figure is not about).
      const hot = i % 10 === 0 && ((i / 10) * 7) % 10 === second % 10;
      const u = hot ? 0.99 : 0.5 + ((i * 13 + n) % 30) / 100;
      inputs.produced(i, eventTime, now);
      if (hot && second >= warmupSeconds) {
        producedAt.set(`${trunk(i).trunkId}|${eventTime}`, now);
        inputs.watch(i, eventTime);
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
  const timed = applied.map(([key, at, released]) => ({ at, released, complete: inputs.completeAt(key) }));
  const fromInputs = timed.filter((w) => !Number.isNaN(w.complete)).map((w) => w.at - w.complete);
  fromInputs.sort((a, b) => a - b);
  // a check of the bench's own model: no engine releases a sample before its inputs were all produced
  const early = timed.filter((w) => w.released !== undefined && w.released < w.complete);
  if (early.length > 0)
    process.stdout.write(
      `(c) check: ${early.length} of ${applied.length} samples released before the bench saw their inputs all produced — the partition model in inputs-complete.ts is wrong\n`,
    );
  latencies.sort((a, b) => a - b);
  if (process.env.TR_BENCH_DEBUG) process.stdout.write(`latencies (ms): ${latencies.join(' ')}\n`);
  fromRelease.sort((a, b) => a - b);
  const q = (list: number[], p: number) =>
    list[Math.min(list.length - 1, Math.floor(p * list.length))] ?? Number.NaN;
  const out = {
    writes: latencies.length,
    p50Ms: q(latencies, 0.5),
    p99Ms: q(latencies, 0.99),
    maxMs: latencies[latencies.length - 1] ?? Number.NaN,
    fromReleaseP50Ms: q(fromRelease, 0.5),
    fromReleaseP99Ms: q(fromRelease, 0.99),
    fromInputsP50Ms: q(fromInputs, 0.5),
    fromInputsP99Ms: q(fromInputs, 0.99),
    fromInputsMaxMs: fromInputs[fromInputs.length - 1] ?? Number.NaN,
    eventsPerSec: sent / elapsed,
    peakRssMiB,
  };
  process.stdout.write(
    `(c) event → WFM write at ${fmt(out.eventsPerSec)} events/s: p50 ${out.p50Ms} ms, p99 ${out.p99Ms} ms over ${out.writes} writes; from the last input the decision needed: p50 ${out.fromInputsP50Ms} ms, p99 ${out.fromInputsP99Ms} ms${fromInputs.length === out.writes ? '' : ` (${fromInputs.length} of the writes: the others' inputs were not all produced)`}; from the engine releasing the sample: p50 ${out.fromReleaseP50Ms} ms, p99 ${out.fromReleaseP99Ms} ms; reactor peak RSS ${Math.round(peakRssMiB)} MiB\n`,
  );
  return out;
}

// ---- report ----------------------------------------------------------------------
function report(t: Throughput, l: Latency): void {
  const m = machine();
  const ratio = t.rulesEventsPerSec / t.bareEventsPerSec;
  const rss = Math.max(t.peakRssMiB, l.peakRssMiB);
  const figures = {
    events: CONFIG.events,
    trunks: CONFIG.trunks,
    partitions: CONFIG.partitions,
    bareEventsPerSec: Math.round(t.bareEventsPerSec),
    rulesStageEventsPerSec: Math.round(t.rulesEventsPerSec),
    ratio: Math.round(ratio * 100) / 100,
    warmBareEventsPerSec: Math.round(t.warmBareEventsPerSec),
    ratioToWarmBare: Math.round((t.rulesEventsPerSec / t.warmBareEventsPerSec) * 100) / 100,
    adjustments: t.adjustments,
    latencyEventsPerSec: Math.round(l.eventsPerSec),
    latencyWrites: l.writes,
    latencyP50Ms: l.p50Ms,
    latencyP99Ms: l.p99Ms,
    latencyMaxMs: l.maxMs,
    latencyFromInputsP50Ms: l.fromInputsP50Ms,
    latencyFromInputsP99Ms: l.fromInputsP99Ms,
    latencyFromInputsMaxMs: l.fromInputsMaxMs,
    latencyFromReleaseP50Ms: l.fromReleaseP50Ms,
    latencyFromReleaseP99Ms: l.fromReleaseP99Ms,
    peakRssMiB: Math.round(rss),
  };
  const bars: Bar[] = [
    { name: 'rules stage / bare consumer', target: 0.7, actual: figures.ratio, ok: ratio >= 0.7 },
    {
      name: 'rules stage events/s',
      target: 50_000,
      actual: figures.rulesStageEventsPerSec,
      ok: t.rulesEventsPerSec >= 50_000,
    },
    {
      name: 'event → WFM write p99, from the last input the decision needed (ms)',
      target: 250,
      actual: l.fromInputsP99Ms,
      ok: l.fromInputsP99Ms < 250,
    },
    { name: 'peak RSS (MiB)', target: 300, actual: figures.peakRssMiB, ok: rss < 300 },
  ];
  const rows: Array<[string, string]> = [
    ['machine', `${m.cpu}, ${m.cores} cores, Node ${m.node}`],
    ['(a) bare kafkajs consumer', `${fmt(figures.bareEventsPerSec)} events/s`],
    [
      '(a) in the bench process',
      `${fmt(figures.warmBareEventsPerSec)} events/s (warm; b / a ${figures.ratioToWarmBare})`,
    ],
    [
      '(b) rules stage',
      `${fmt(figures.rulesStageEventsPerSec)} events/s (${fmt(t.adjustments)} adjustments)`,
    ],
    ['b / a', String(figures.ratio)],
    [
      '(c) event → WFM write',
      `p50 ${l.fromInputsP50Ms} ms, p99 ${l.fromInputsP99Ms} ms from the last input the decision needed (${l.writes} writes, ${fmt(l.eventsPerSec)} events/s)`,
    ],
    ['(c) from the hot sample', `p50 ${l.p50Ms} ms, p99 ${l.p99Ms} ms (+ the wait for the slowest trunk)`],
    ['(c) from the sample released', `p50 ${l.fromReleaseP50Ms} ms, p99 ${l.fromReleaseP99Ms} ms`],
    ['(d) peak RSS', `${figures.peakRssMiB} MiB`],
  ];
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(28)} ${v}\n`);
  printBars(bars);
  if (!process.env.TR_BENCH_NO_DOCS && CONFIG.events === 1_000_000) writeDocs(m, figures, bars, t, l);
  finalLine('pipeline', m, figures, bars);
}

function writeDocs(
  m: Machine,
  figures: Record<string, number>,
  bars: Bar[],
  t: Throughput,
  l: Latency,
): void {
  const date = new Date().toISOString().slice(0, 10);
  const body = [
    `Measured ${date} by \`npm run bench:pipeline\` on ${m.cpu} (${m.cores} cores), Node ${m.node}; the`,
    'Kafka broker (single-node KRaft, `scripts/kafka/start.sh`) runs on the same two cores.',
    '',
    '| figure | value |',
    '| --- | --- |',
    `| workload | ${fmt(CONFIG.events)} pre-loaded events, ${fmt(CONFIG.trunks)} trunks, ${CONFIG.partitions} partitions, 10 trunk-scoped rules |`,
    `| (a) bare kafkajs consumer in a process of its own, median of ${t.bareRuns.length} | ${fmt(t.bareEventsPerSec)} events/s (rounds: ${t.bareRuns.map(fmt).join(', ')}) |`,
    `| (a) the same consumer in the bench process, warm (for reference) | ${fmt(t.warmBareEventsPerSec)} events/s (rounds: ${t.warmBareRuns.map(fmt).join(', ')}; b / a ${figures.ratioToWarmBare}) |`,
    `| (b) rules stage, median of ${t.rulesRuns.length} | **${fmt(t.rulesEventsPerSec)} events/s** (rounds: ${t.rulesRuns.map(fmt).join(', ')}; ${fmt(t.adjustments)} adjustments) |`,
    `| b / a (medians) | **${figures.ratio}** |`,
    `| (c) event → WFM write, ${fmt(l.eventsPerSec)} events/s: from the production of the last input the decision needed (the hot sample, and a sample at least as late from every trunk of its partition) | p50 **${l.fromInputsP50Ms} ms**, p99 **${l.fromInputsP99Ms} ms**, max ${l.fromInputsMaxMs} ms (${l.writes} writes) |`,
    `| (c) from the production of the hot sample itself (the above plus the wait for the partition's slowest trunk) | p50 ${l.p50Ms} ms, p99 ${l.p99Ms} ms, max ${l.maxMs} ms |`,
    `| (c) from the rules engine releasing the sample (its event time passed) | p50 ${l.fromReleaseP50Ms} ms, p99 ${l.fromReleaseP99Ms} ms |`,
    `| (d) peak RSS of the reactor process during (b) and (c) | **${figures.peakRssMiB} MiB** |`,
    '',
    '| bar | target | actual | |',
    '| --- | --- | --- | --- |',
    ...bars.map(
      (b) =>
        `| ${b.name} | ${b.name.includes('p99') || b.name.includes('RSS') ? '<' : '≥'} ${num(Number(b.target))} | ${num(Number(b.actual))} | ${b.ok ? 'ok' : 'missed'} |`,
    ),
    '',
    'How it is measured: (a) and (b) read the same topic from the beginning in fresh consumer groups ((b) with its output',
    'topics its own in each round), each in a process of its own started the same way, timed from',
    `\`run()\` until every message was seen (a), or its processing committed and every intent it caused planned and committed (b),`,
    `taking turns ${t.bareRuns.length} times (the broker serves faster as it warms up, and this shared machine drifts: single`,
    'readings of (a) range from about 280,000 to 600,000 events/s); the figures are the medians. (b) is the rules and',
    'planning stages as `run --role rules` builds them (`Pipeline`), with the planner reading a generated schedule from memory,',
    'in a process of its own. (c) runs the whole pipeline',
    'in that process against the WFM sandbox over HTTP in the bench process; event time runs at wall-clock pace; one trunk',
    'in ten runs hot in one second of every ten, and a trunk-scoped rule turns that sample into an extension (about 10 a',
    `second); the surges of the first ${CONFIG.latency.warmupSeconds} s are not timed (the teams' schedules are read then, and every stage and the broker`,
    `make their first transactions and writes), those of the next ${CONFIG.latency.seconds} s are. The latency ends at the writer's \`applied\``,
    'outcome (the WFM answered the PATCH) and starts at the producer `send` of the last sample the decision needed: the hot',
    "sample, and from every other trunk of its partition its first sample at least as late — event time follows a partition's",
    'slowest trunk (docs/rules.md), so no pipeline could write before those exist. The bench works that moment out from what',
    "it produced (`bench/support/inputs-complete.ts`: the producer's partitioner, each trunk's samples in order), not from",
    'anything the reactor reports. The table also times each write from the `send` of the hot sample itself, which adds the',
    "wait for the partition's slowest trunk (up to one report period, 200 ms here: 1,000 trunks at 5,000 events/s), and from",
    'the moment the engine released the sample. `allowedLateness` is 0 s there: a reorder buffer of N seconds holds each',
    'sample back N seconds of event time by design. The workload is in `bench/support/pipeline-workload.ts`, the reactor',
    'process in `bench/pipeline-reactor.ts`.',
    '',
    ...ANALYSIS,
  ];
  writeDocSection(new URL('../docs/benchmarks.md', import.meta.url), '## bench:pipeline', body);
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
