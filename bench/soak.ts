/**
 * bench:soak — a bounded soak of `trunk-reactor run` (not in CI): by default 10 minutes at
 * 5,000 events/s with WFM faults switched on, sampling the process's RSS and event-loop
 * delay as it goes, then a trend and the fault-matrix accounting (nothing lost, nothing
 * applied twice).
 *
 * The service runs as a child process (`trunk-reactor run`, all stages) against a broker
 * this script starts and the golden WFM sandbox in this process, over HTTP. Workload:
 * 5,000 trunks, one sample each per second of wall time; event time runs 10× faster than
 * the wall clock from the golden Friday 09:00 SGT, so the 15 trunks of the rules' group
 * (sg-byoc) go through surge → normal → lull twice in 10 minutes; the other 4,985 trunks
 * are load. Faults: 1% of WFM requests 500/503, 0.5% applied then answered 500, 0.5%
 * connection resets, 5–25 ms latency, a sandbox rate limit of 300 requests/min (burst 5),
 * the other-integration mutator at 2 changes/s, and the publish window (1 minute, half-way).
 *
 * Samples (every --sample-seconds): RSS from /proc/<pid>/status; event-loop delay p99 and
 * max from the service's /metrics (prom-client's, built on perf_hooks
 * monitorEventLoopDelay, reset at each scrape, so each sample covers its interval).
 *
 *   npm run bench:soak [-- --minutes 10 --rate 5000 --sample-seconds 15 --no-docs]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Producer } from 'kafkajs';
import { ensureTopics, pipelineTopics } from '../src/kafka/topics.js';
import { freePortPair, startLocalBroker, stopLocalBroker } from '../test/kafka/local-broker.js';
import { account } from '../test/pipeline/support/accounting.js';
import { configFile, type Instance, startInstance } from '../test/pipeline/support/child.js';
import {
  GOLDEN_START,
  goldenSandbox,
  testConfig,
  testKafka,
  testRulesFile,
} from '../test/pipeline/support/harness.js';
import { metricValue, scrape } from './support/prometheus-text.js';
import { type Bar, barsTable, finalLine, machine, printBars, writeDocSection } from './support/report.js';
import { percentile, trend } from './support/trend.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    rate: { type: 'string', default: '5000' },
    'sample-seconds': { type: 'string', default: '15' },
    'no-docs': { type: 'boolean', default: false },
  },
});
const MINUTES = Number(values.minutes);
const RATE = Number(values.rate);
const SAMPLE_MS = Number(values['sample-seconds']) * 1000;
const TRUNKS = RATE; // one sample per trunk per second
const SPEED = 10; // event time per wall time
const WARMUP_MS = Math.min(60_000, (MINUTES * 60_000) / 5);
const FAULTS = {
  errorRate: 0.01,
  errorAfterWriteRate: 0.005,
  resetRate: 0.005,
  latencyMs: 5,
  latencyJitterMs: 20,
  mutatorPerSecond: 2,
};

interface Sample {
  t: number;
  rssMiB: number;
  heapMiB: number;
  loopP99Ms: number;
  loopMaxMs: number;
  eventsPerSec: number;
  lag: number;
}

const m = machine();
const port = await freePortPair();
const broker = await startLocalBroker(port);
const bail = () => {
  void stopLocalBroker(port, { purge: true }).finally(() => process.exit(130));
};
process.once('SIGINT', bail);
process.once('SIGTERM', bail);
process.stdout.write(
  `bench:soak — ${MINUTES} min at ${RATE} events/s, WFM faults on; ${m.cpu} (${m.cores} cores), Node ${m.node}\n`,
);

const windowAtMin = Math.max(1, Math.floor(MINUTES / 2));
const { sandbox, admin } = await goldenSandbox({
  clockFrozen: false,
  publishWindow: {
    dayOfWeek: 5,
    time: `09:${String(windowAtMin).padStart(2, '0')}`,
    zone: 'Asia/Singapore',
    durationMinutes: 1,
  },
  faults: FAULTS,
  behaviour: { rateLimitPerMinute: 300, rateLimitBurst: 5 },
});
const adminPort = await freePortPair();
const config = testConfig({
  brokers: [broker.brokers],
  sandboxUrl: sandbox.url,
  partitions: 3,
  rulesFile: testRulesFile({ groupScopeOnly: true, lateness: '5m' }),
  overrides: { admin: { port: adminPort } },
});
const kafka = testKafka(config.kafka.brokers);
let child: Instance | undefined;
try {
  const kAdmin = kafka.admin();
  await kAdmin.connect();
  await ensureTopics(kAdmin, pipelineTopics(config.kafka));
  await kAdmin.disconnect();
  child = startInstance(configFile(config), 'soak');
  await waitForMetrics();
  const producer = kafka.producer();
  await producer.connect();
  const samples = await soak(producer, child);
  await producer.disconnect();
  const drainedMs = await drain();
  child.child.kill('SIGTERM');
  const exit = await child.exited;
  const a = await account({ kafka, config, ledger: await admin.ledger() });
  const stats = await admin.stats();
  report(samples, a, { drainedMs, exit, stats });
} finally {
  if (child && child.child.exitCode === null) child.child.kill('SIGKILL');
  await sandbox.close();
  await stopLocalBroker(port, { purge: true });
}

async function waitForMetrics(): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await scrape(`http://127.0.0.1:${adminPort}/metrics`);
      return;
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(`the service never served /metrics: ${(err as Error).message}\n${child?.output()}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

function eventLine(trunk: number, time: number): string {
  const golden = trunk < 15;
  const trunkId = golden
    ? `sg-byoc-${String(trunk + 1).padStart(2, '0')}`
    : `load-${String(trunk).padStart(5, '0')}`;
  const minute = Math.floor((time - GOLDEN_START) / 60_000);
  const phase = minute % 50;
  const base = golden ? (phase < 20 ? 0.93 : phase < 35 ? 0.6 : 0.15) : 0.5;
  const capacity = 30;
  const wobble = ((trunk * 13 + minute * 7) % 5) / 100;
  return JSON.stringify({
    schemaVersion: 1,
    trunkId,
    trunkGroup: golden ? 'sg-byoc' : `load-${String(trunk % 50).padStart(2, '0')}`,
    region: 'apac',
    site: trunk % 2 ? 'sg1' : 'sg2',
    eventTime: new Date(time).toISOString().replace('.000Z', 'Z'),
    activeCalls: Math.min(capacity, Math.round((base + wobble) * capacity)),
    capacity,
  });
}

/** Produces RATE events/s (each second one sample of every trunk) and samples as it goes. */
async function soak(producer: Producer, instance: Instance): Promise<Sample[]> {
  const samples: Sample[] = [];
  const start = Date.now();
  const end = start + MINUTES * 60_000;
  let sent = 0;
  let sentAtSample = 0;
  let nextSample = start + SAMPLE_MS;
  process.stdout.write(
    `${'min'.padStart(6)} ${'RSS MiB'.padStart(8)} ${'heap MiB'.padStart(9)} ${'loop p99 ms'.padStart(12)} ${'loop max ms'.padStart(12)} ${'events/s'.padStart(9)} ${'lag'.padStart(8)}\n`,
  );
  while (Date.now() < end) {
    const owed = Math.floor(((Date.now() - start) / 1000) * RATE) - sent;
    if (owed > 0) {
      const n = Math.min(owed, 2_000);
      const messages = [];
      for (let i = 0; i < n; i++) {
        const seq = sent + i;
        const trunk = seq % TRUNKS;
        const second = Math.floor(seq / TRUNKS);
        const value = eventLine(trunk, GOLDEN_START + second * SPEED * 1000);
        messages.push({ key: /"trunkId":"([^"]+)"/.exec(value)![1]!, value });
      }
      await producer.send({ topic: config.kafka.topics.events, messages });
      sent += n;
    } else await new Promise((r) => setTimeout(r, 20));
    if (Date.now() >= nextSample) {
      const s = await sample(instance, Date.now() - start, (sent - sentAtSample) / (SAMPLE_MS / 1000));
      sentAtSample = sent;
      nextSample += SAMPLE_MS;
      samples.push(s);
      process.stdout.write(
        `${(s.t / 60_000).toFixed(2).padStart(6)} ${s.rssMiB.toFixed(0).padStart(8)} ${s.heapMiB.toFixed(0).padStart(9)} ${s.loopP99Ms.toFixed(1).padStart(12)} ${s.loopMaxMs.toFixed(1).padStart(12)} ${s.eventsPerSec.toFixed(0).padStart(9)} ${String(s.lag).padStart(8)}\n`,
      );
    }
  }
  return samples;
}

async function sample(instance: Instance, t: number, eventsPerSec: number): Promise<Sample> {
  const status = readFileSync(`/proc/${instance.child.pid}/status`, 'utf8');
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const text = await scrape(`http://127.0.0.1:${adminPort}/metrics`);
  return {
    t,
    rssMiB: rssKiB / 1024,
    heapMiB: (metricValue(text, 'trunk_reactor_nodejs_heap_size_used_bytes') ?? 0) / 2 ** 20,
    loopP99Ms: (metricValue(text, 'trunk_reactor_nodejs_eventloop_lag_p99_seconds') ?? 0) * 1000,
    loopMaxMs: (metricValue(text, 'trunk_reactor_nodejs_eventloop_lag_max_seconds') ?? 0) * 1000,
    eventsPerSec,
    lag: metricValue(text, 'trunk_reactor_consumer_lag') ?? 0,
  };
}

/**
 * After the last event: switches the faults off (the mutator would change the ledger for
 * ever) and waits until the service's consumer lag and the WFM writes of the service have
 * stayed the same for 10 s. Lag does not reach 0 on transactional topics: the last commit
 * marker takes an offset no consumer commits past.
 */
async function drain(): Promise<number> {
  await admin.faults({
    errorRate: 0,
    errorAfterWriteRate: 0,
    resetRate: 0,
    latencyMs: 0,
    latencyJitterMs: 0,
    mutatorPerSecond: 0,
  });
  const t = Date.now();
  let quietSince = Date.now();
  let last = '';
  while (Date.now() - t < 300_000) {
    await new Promise((r) => setTimeout(r, 1_000));
    const lag = metricValue(
      await scrape(`http://127.0.0.1:${adminPort}/metrics`),
      'trunk_reactor_consumer_lag',
    );
    const writes = (await admin.ledger()).filter((e) => e.kind === 'patch' || e.kind === 'swap').length;
    const now = `${lag} ${writes}`;
    if (now !== last) {
      last = now;
      quietSince = Date.now();
    } else if (Date.now() - quietSince >= 10_000) return quietSince - t;
  }
  process.stdout.write('the service did not drain within 5 minutes of the last event\n');
  return -1;
}

function report(
  samples: Sample[],
  a: Awaited<ReturnType<typeof account>>,
  run: { drainedMs: number; exit: number | null; stats: Awaited<ReturnType<typeof admin.stats>> },
): void {
  const rss = trend(
    samples.map((s) => ({ t: s.t, v: s.rssMiB })),
    WARMUP_MS,
  );
  const steady = samples.filter((s) => s.t >= WARMUP_MS);
  const loopP99 = Math.max(...steady.map((s) => s.loopP99Ms));
  const loopMax = Math.max(...steady.map((s) => s.loopMaxMs));
  const third = Math.max(1, Math.floor(steady.length / 3));
  const loopThirds = {
    first: percentile(
      steady.slice(0, third).map((s) => s.loopP99Ms),
      50,
    ),
    last: percentile(
      steady.slice(-third).map((s) => s.loopP99Ms),
      50,
    ),
  };
  const rate = samples.reduce((n, s) => n + s.eventsPerSec, 0) / Math.max(1, samples.length);
  const r1 = (x: number) => Math.round(x * 10) / 10;
  const figures = {
    minutes: MINUTES,
    targetEventsPerSec: RATE,
    eventsPerSec: Math.round(rate),
    samples: samples.length,
    sampleSeconds: SAMPLE_MS / 1000,
    rssStartMiB: r1(samples[0]?.rssMiB ?? 0),
    rssPeakMiB: r1(Math.max(...samples.map((s) => s.rssMiB))),
    rssEndMiB: r1(samples[samples.length - 1]?.rssMiB ?? 0),
    rssSlopeSecondHalfMiBPerMin: r1(rss.slopePerMinute),
    rssFirstThirdMiB: r1(rss.firstThirdMean),
    rssLastThirdMiB: r1(rss.lastThirdMean),
    loopDelayP99WorstMs: r1(loopP99),
    loopDelayP99MedianMs: r1(
      percentile(
        steady.map((s) => s.loopP99Ms),
        50,
      ),
    ),
    loopDelayMaxMs: r1(loopMax),
    drainSeconds: r1(run.drainedMs / 1000),
    exitCode: run.exit,
    wfmRequests: run.stats.requests,
    wfmByStatus: run.stats.byStatus,
    wfmResets: run.stats.resets,
    adjustments: a.expected,
    applied: a.applied,
    deadLettered: a.deadLettered,
    rejected: a.rejected,
    lost: a.lost,
    appliedTwice: a.appliedTwice,
    eventDeadLetters: a.eventDeadLetters,
    faults: FAULTS,
  };
  const bars: Bar[] = [
    {
      name: 'RSS slope over the second half (MiB/min)',
      target: '≤ 1',
      actual: figures.rssSlopeSecondHalfMiBPerMin,
      ok: rss.slopePerMinute <= 1,
    },
    {
      name: 'RSS, last third vs first third after warm-up',
      target: '≤ +10%',
      actual: `${figures.rssLastThirdMiB} vs ${figures.rssFirstThirdMiB} MiB`,
      ok: rss.lastThirdMean <= rss.firstThirdMean * 1.1,
    },
    {
      name: 'event-loop delay p99, worst sample (ms)',
      target: '< 250',
      actual: figures.loopDelayP99WorstMs,
      ok: loopP99 < 250,
    },
    {
      name: 'event-loop delay p99 does not trend up: median of the last third vs the first',
      target: '≤ 1.5×',
      actual: `${r1(loopThirds.last)} vs ${r1(loopThirds.first)} ms`,
      ok: loopThirds.last <= loopThirds.first * 1.5,
    },
    {
      name: 'events/s produced',
      target: `≥ ${RATE * 0.95}`,
      actual: figures.eventsPerSec,
      ok: rate >= RATE * 0.95,
    },
    {
      name: 'drained after the last event (s)',
      target: '< 300',
      actual: figures.drainSeconds,
      ok: run.drainedMs >= 0,
    },
    { name: 'adjustments lost', target: 0, actual: a.lost, ok: a.lost === 0 },
    { name: 'adjustments applied twice', target: 0, actual: a.appliedTwice, ok: a.appliedTwice === 0 },
    { name: 'exit code after SIGTERM', target: 0, actual: String(run.exit), ok: run.exit === 0 },
  ];
  process.stdout.write(`\n${JSON.stringify({ ...figures, faults: undefined }, null, 0)}\n`);
  printBars(bars);
  if (!values['no-docs']) writeDocs(samples, figures, bars);
  finalLine('soak', m, figures, bars);
}

function writeDocs(samples: Sample[], f: Record<string, unknown>, bars: Bar[]): void {
  const date = new Date().toISOString().slice(0, 10);
  const every = Math.max(1, Math.round(samples.length / 10));
  const body = [
    `Measured ${date} by \`npm run bench:soak\` on ${m.cpu} (${m.cores} cores), Node ${m.node}; the broker and the WFM sandbox`,
    `share the two cores. ${MINUTES} minutes at ${RATE} events/s (${TRUNKS} trunks, one sample each per second; 15 of them in the`,
    "rules' group), event time 10× wall time, with WFM faults on: 1% 500/503, 0.5% applied then 500, 0.5% connection resets,",
    '5–25 ms latency, 300 requests/min (burst 5) at the sandbox, the other-integration mutator at 2 changes/s, and a',
    `1-minute publish window ${windowAtMin} minutes in. Samples every ${SAMPLE_MS / 1000} s of the \`trunk-reactor run\` process (every ${every}th shown).`,
    '',
    '| minute | RSS MiB | heap MiB | event-loop delay p99 ms | max ms | events/s | consumer lag |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...samples
      .filter((_, i) => i % every === every - 1 || i === samples.length - 1)
      .map(
        (s) =>
          `| ${(s.t / 60_000).toFixed(1)} | ${s.rssMiB.toFixed(0)} | ${s.heapMiB.toFixed(0)} | ${s.loopP99Ms.toFixed(1)} | ${s.loopMaxMs.toFixed(1)} | ${s.eventsPerSec.toFixed(0)} | ${s.lag} |`,
      ),
    '',
    `Adjustments: ${f.adjustments} expected, ${f.applied} applied, ${f.deadLettered} dead-lettered, ${f.rejected} rejected, ${f.lost} lost, ${f.appliedTwice} applied twice; WFM requests ${f.wfmRequests} (${JSON.stringify(f.wfmByStatus)}, ${f.wfmResets} resets). Drained ${f.drainSeconds} s after the last event; SIGTERM exit code ${f.exitCode}.`,
    '',
    ...barsTable(bars),
  ];
  writeDocSection(new URL('../docs/benchmarks.md', import.meta.url), '## bench:soak', body);
  writeDocSection(new URL('../docs/reliability.md', import.meta.url), '## Measured: the soak', body);
}
