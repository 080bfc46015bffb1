/**
 * npm run bench:events — what the pipeline event stream costs on the rules stage's hot path:
 * per input message the stage tells `stage.processed` and `rules.sample`
 * (src/observability/pipeline-events.ts). Measured per message, in nanoseconds and in bytes
 * allocated, with nobody listening, with the pipeline's own counts listening (a Pipeline
 * always keeps them: what bench:pipeline's throughput phase runs), and with everything `run`
 * subscribes (the counts, the Prometheus metrics and a status-page subscriber, here one that
 * does nothing, so that the stream's own cost is what is measured). Beside them, the counting
 * the stream replaced: a stats object incremented by reference and a prom-client counter.
 * Writes docs/benchmarks.md (section "## bench:events") and ends with one line of JSON.
 */
import { loadavg } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { TrunkSample } from '../src/events/trunk-event.js';
import { createMetrics } from '../src/observability/metrics.js';
import { subscribeMetrics } from '../src/observability/metrics-subscriber.js';
import { Probe, subscribe } from '../src/observability/pipeline-events.js';
import { PipelineTally } from '../src/observability/pipeline-tally.js';
import { type Bar, barsTable, finalLine, machine, printBars, writeDocSection } from './support/report.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 2_000_000);
/** few enough that no scavenge runs while allocation is measured (young generation ≥ 1 MiB) */
const ALLOC_MESSAGES = 5_000;
const sample = {
  trunkId: 't1',
  trunkGroup: 'g',
  region: 'r',
  site: 's',
  time: 0,
  activeCalls: 1,
  capacity: 2,
};

type Step = () => void;

function nsPerMessage(step: Step): number {
  for (let i = 0; i < 100_000; i++) step(); // warm up
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < MESSAGES; i++) step();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / MESSAGES);
  }
  return best;
}

function bytesPerMessage(step: Step): number {
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < ALLOC_MESSAGES; i++) step();
    best = Math.min(best, (process.memoryUsage().heapUsed - before) / ALLOC_MESSAGES);
  }
  return Math.max(0, best);
}

interface Case {
  name: string;
  setup(): { step: Step; close(): void };
}

const probeCase = (name: string, listen: (p: Probe) => Array<() => void>): Case => ({
  name,
  setup() {
    const probe = new Probe();
    const offs = listen(probe);
    return {
      step: () => {
        probe.processed('rules');
        probe.sample(sample as TrunkSample, null);
      },
      close: () => {
        for (const off of offs) off();
      },
    };
  },
});

const cases: Case[] = [
  probeCase('stream, nobody listening', () => []),
  probeCase('stream, the pipeline’s counts listening', (p) => {
    const tally = new PipelineTally(p);
    return [() => tally.close()];
  }),
  probeCase('stream, counts + Prometheus + a status subscriber (as `run`)', (p) => {
    const tally = new PipelineTally(p);
    return [
      () => tally.close(),
      subscribeMetrics(p, createMetrics({ defaultMetrics: false })),
      subscribe(p, { 'rules.sample': () => {} }),
    ];
  }),
  {
    name: 'replaced: a stats object by reference',
    setup() {
      const stats = { events: 0 };
      return { step: () => void stats.events++, close() {} };
    },
  },
  {
    name: 'replaced: a stats object and a prom-client counter',
    setup() {
      const stats = { events: 0 };
      const m = createMetrics({ defaultMetrics: false });
      return {
        step: () => {
          stats.events++;
          m.ruleEvaluations.inc();
        },
        close() {},
      };
    },
  },
];

const rows = cases.map((c) => {
  const { step, close } = c.setup();
  const ns = nsPerMessage(step);
  const bytes = bytesPerMessage(step);
  close();
  return { name: c.name, ns: Math.round(ns * 10) / 10, bytes: Math.round(bytes * 10) / 10 };
});

const quiet = rows[0]!;
const counted = rows[1]!;
const run = rows[2]!;
const bars: Bar[] = [
  { name: 'bytes per message, nobody listening', target: '< 1', actual: quiet.bytes, ok: quiet.bytes < 1 },
  {
    name: 'bytes per message, the pipeline’s counts listening',
    target: '< 1',
    actual: counted.bytes,
    ok: counted.bytes < 1,
  },
  { name: 'ns per message with `run`’s subscribers', target: '< 250', actual: run.ns, ok: run.ns < 250 },
];
const m = machine();
for (const r of rows) process.stdout.write(`${r.name}: ${r.ns} ns, ${r.bytes} bytes per message\n`);
printBars(bars);
writeDocSection(new URL('../docs/benchmarks.md', import.meta.url), '## bench:events', [
  `The pipeline event stream on the rules stage's hot path: per input message \`stage.processed\` and`,
  `\`rules.sample\`, ${MESSAGES.toLocaleString('en')} messages, best of 5 rounds (bench/events.ts).`,
  `${m.cpu}, ${m.cores} cores, Node ${m.node}; the machine was shared with other work while it ran`,
  `(load average ${loadavg()[0]!.toFixed(1)} at the end): the wall-clock nanoseconds can only be inflated by it. At`,
  `100,000 messages/s, the stream with \`run\`'s subscribers takes ${((run.ns * 100_000) / 1e7).toFixed(2)}% of one core.`,
  '',
  '| case | ns per message | bytes allocated per message |',
  '| --- | --- | --- |',
  ...rows.map((r) => `| ${r.name} | ${r.ns} | ${r.bytes} |`),
  '',
  ...barsTable(bars),
]);
finalLine('events', m, { messages: MESSAGES, cases: rows }, bars);
