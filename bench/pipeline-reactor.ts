/**
 * The reactor side of bench:pipeline, in a process of its own so that its peak RSS and its
 * event loop are the reactor's alone (the bench's producer, bare consumer and WFM sandbox
 * live in the parent, bench/pipeline.ts). Forked with an IPC channel; not run by hand.
 *
 * - `throughput`: the rules stage as `run --role rules` builds it, over the pre-loaded topic,
 *   with the planner reading a generated schedule from memory; reports events/s once every
 *   input message's processing is committed.
 * - `latency`: the whole pipeline (rules → adjustments → writer → the parent's WFM sandbox
 *   over HTTP); reports every applied adjustment's triggering sample and when the WFM
 *   answered the write, until the parent says stop.
 */
import { businessUnitCalendar } from '../src/app/assemble.js';
import { Pipeline } from '../src/app/pipeline.js';
import type { AdjustmentApplier, EvaluatorFactory } from '../src/app/ports.js';
import { rulesEvaluators } from '../src/app/rules-adapter.js';
import { writerApplier } from '../src/app/writer-adapter.js';
import { createKafka } from '../src/kafka/client.js';
import { leanBatchInUse } from '../src/kafka/kafkajs/lean-batch.js';
import { leanRecordDecoderInUse } from '../src/kafka/kafkajs/record-decoder.js';
import { createLogger, silentLogger } from '../src/observability/logger.js';
import { createMetrics } from '../src/observability/metrics.js';
import { subscribe } from '../src/observability/pipeline-events.js';
import { SnapshotScheduleSource } from '../src/planner/snapshot-source.js';
import { RulesFile } from '../src/rules/schema.js';
import { generateSchedule } from '../src/sandbox/generate.js';
import type { Clock } from '../src/time/clock.js';
import { parseInstant } from '../src/time/instant.js';
import { WfmHttpClient } from '../src/wfm/http-client.js';
import { profilePhase } from './support/phase-profile.js';
import {
  BASE,
  benchConfig,
  CONFIG,
  latencyRules,
  roundConfig,
  throughputRules,
} from './support/pipeline-workload.js';

export interface ReactorArgs {
  phase: 'throughput' | 'latency';
  id: string;
  brokers: string[];
  /**
   * throughput: the round, whose consumer groups and topics past the events are its own (a
   * planning stage in a fresh group would plan the earlier rounds' intents again)
   */
  round?: number;
  /** latency: the WFM sandbox, and the wall-clock instant event time BASE corresponds to */
  sandboxUrl?: string;
  wallStart?: number;
}

/** Messages to the parent. */
export type ReactorReport =
  | { type: 'ready' }
  | {
      type: 'throughput';
      eventsPerSec: number;
      startupMs: number;
      adjustments: number;
      intents: number;
      /** whether kafkajs decoded records and made batches the lean way (kafkajs/record-decoder.ts, kafkajs/lean-batch.ts) */
      lean: { decoder: boolean; batch: boolean };
    }
  | {
      type: 'applied';
      trunkId: string;
      eventTime: number;
      at: number;
      status: string;
      /** when the rules engine released the sample and made the intent (its event time passed) */
      releasedAt: number | undefined;
    }
  | { type: 'done'; peakRssMiB: number };

const args = JSON.parse(process.argv[2] ?? '{}') as ReactorArgs;
const logger = process.env.TR_BENCH_DEBUG ? createLogger({ level: 'info', pretty: false }) : silentLogger;
const send = (r: ReactorReport) => process.send?.(r);
// the bench went away (crashed, Ctrl-C): so does its reactor
const orphaned = () => process.exit(1);
process.on('disconnect', orphaned);

let peakRss = 0;
// the RSS alone (memoryUsage() also walks the heap's spaces: the measuring costs the reactor less)
const rssTimer = setInterval(() => {
  const rss = process.memoryUsage.rss();
  if (rss > peakRss && process.env.TR_BENCH_DEBUG) {
    const m = process.memoryUsage();
    process.stderr.write(
      `rss ${mib(rss)} heap ${mib(m.heapUsed)}/${mib(m.heapTotal)} external ${mib(m.external)} buffers ${mib(m.arrayBuffers)} MiB\n`,
    );
  }
  peakRss = Math.max(peakRss, rss);
}, 50);
function mib(n: number): number {
  return Math.round(n / 2 ** 20);
}

// no logger: kafkajs' log entries are dropped
const kafka = createKafka({
  kafka: { ...benchConfig(args.id, args.brokers).kafka, clientId: `bench-${args.id}` },
});
const stopRequested = new Promise<void>((resolve) => process.on('message', (m) => m === 'stop' && resolve()));
const onFatal = (err: Error) => {
  process.stderr.write(`pipeline-reactor: ${err.message}\n`);
  process.exit(4);
};

if (args.phase === 'throughput') {
  const config = roundConfig(args.id, args.brokers, args.round ?? 1);
  const pipeline = new Pipeline({
    kafka,
    config,
    role: 'rules',
    evaluators: traced(
      rulesEvaluators({
        rules: RulesFile.parse(throughputRules()),
        planner: {
          source: new SnapshotScheduleSource(generateSchedule(CONFIG.schedule)),
          businessUnit: businessUnitCalendar(config),
        },
      }),
    ),
    logger,
    onFatal,
    maxWriterLag: Number.POSITIVE_INFINITY,
  });
  peakRss = 0;
  const start = Date.now();
  const timeline = process.env.TR_BENCH_DEBUG ? stageTimeline(pipeline) : undefined;
  await profilePhase('rules-stage', async () => {
    await pipeline.start();
    // every event's processing committed, and every intent it caused planned and committed
    while (pipeline.rulesCommitted < CONFIG.events || pipeline.planningCommitted < pipeline.intentsProduced)
      await sleep(20);
  });
  const end = Date.now();
  // timed as (a) is: from the input consumer's run() (after connect and subscribe; the group
  // join inside), to the last commit; the set-up before it (topics checked, producers and the
  // planning stage started) is reported apart
  const runSince = pipeline.inputRunSince ?? start;
  send({
    type: 'throughput',
    eventsPerSec: CONFIG.events / ((end - runSince) / 1000),
    startupMs: runSince - start,
    adjustments: pipeline.planningStats.adjustments,
    intents: pipeline.intentsProduced,
    lean: { decoder: leanRecordDecoderInUse(), batch: leanBatchInUse() },
  });
  timeline?.(runSince, end);
  send({ type: 'done', peakRssMiB: peakRss / 2 ** 20 });
  await pipeline.stop(Date.now() + 10_000);
} else {
  const wallStart = args.wallStart ?? Date.now();
  // event time runs at wall-clock pace from BASE; the sandbox and the writer share that clock
  const clock: Clock = { now: () => BASE + (Date.now() - wallStart), sleep };
  const config = benchConfig(args.id, args.brokers, args.sandboxUrl);
  const wfm = new WfmHttpClient({ baseUrl: config.wfm.baseUrl, token: 'sandbox-token', clock });
  const businessUnit = businessUnitCalendar(config);
  const inner = writerApplier({
    adapter: wfm,
    clock,
    logger,
    concurrency: config.wfm.maxConcurrency,
    publishWindow: { ...config.publishWindow, dayOfWeek: businessUnit.weekStart },
    businessUnit: { timeZone: businessUnit.zone },
  });
  // when the engine made each intent: its sample's event time had passed (every member trunk of
  // the partition sent one at least as late)
  const released = new Map<string, number>();
  const applier: AdjustmentApplier = {
    async apply(a) {
      const r = a.reason as { scope: { value: string }; eventTime: string };
      const submitted = Date.now();
      const outcome = await inner.apply(a);
      if (process.env.TR_BENCH_DEBUG)
        process.stderr.write(
          `trace ${r.scope.value}|${parseInstant(r.eventTime)} submit ${submitted} applied ${Date.now()} ${outcome.status}\n`,
        );
      const key = `${r.scope.value}|${parseInstant(r.eventTime)}`;
      const releasedAt = released.get(key);
      released.delete(key);
      send({
        type: 'applied',
        trunkId: r.scope.value,
        eventTime: parseInstant(r.eventTime),
        at: Date.now(),
        status: outcome.status,
        releasedAt,
      });
      return outcome;
    },
    ...(inner.onDeferred ? { onDeferred: inner.onDeferred } : {}),
    get inProgress() {
      return inner.inProgress;
    },
    close: () => inner.close(),
  };
  const metrics = createMetrics({ defaultMetrics: false });
  const pipeline = new Pipeline({
    kafka,
    config,
    role: 'all',
    metrics,
    evaluators: traced(
      rulesEvaluators({
        rules: RulesFile.parse(latencyRules()),
        planner: { source: wfm, businessUnit, clock },
      }),
    ),
    applier,
    logger,
    onFatal,
  });
  subscribe(pipeline.probe, {
    'rules.intent': ({ intent }) => {
      released.set(`${intent.scope.value}|${intent.eventTime}`, Date.now());
    },
  });
  if (process.env.TR_BENCH_DEBUG)
    subscribe(pipeline.probe, {
      'stage.transaction': (e) => {
        if (e.stage !== 'writer')
          process.stderr.write(`txn ${e.stage} ${Date.now()} ${Math.round(e.seconds * 1000)}\n`);
      },
      'writer.adjustment': ({ adjustment }) => {
        const r = adjustment.reason as { scope: { value: string }; eventTime: string };
        process.stderr.write(`trace ${r.scope.value}|${parseInstant(r.eventTime)} writer ${Date.now()}\n`);
      },
    });
  await pipeline.start();
  peakRss = 0;
  send({ type: 'ready' });
  await profilePhase('latency', () => stopRequested);
  send({ type: 'done', peakRssMiB: peakRss / 2 ** 20 });
  if (process.env.TR_BENCH_DEBUG) {
    const h = await metrics.transactionLatency.get();
    for (const stage of ['rules', 'planning']) {
      const buckets = h.values.filter(
        (v) => v.metricName?.endsWith('_bucket') && (v.labels as Record<string, unknown>).stage === stage,
      );
      process.stderr.write(
        `${stage} transactions: ${buckets.map((v) => `≤${(v.labels as Record<string, unknown>).le}s:${v.value}`).join(' ')}\n`,
      );
    }
  }
  await pipeline.stop(Date.now() + 10_000);
  await wfm.close();
}
clearInterval(rssTimer);
process.off('disconnect', orphaned);
process.disconnect?.();

/** TR_BENCH_DEBUG: when the rules stage saw each sample that made a rule act, and when the planning stage planned its intent. */
function traced(f: EvaluatorFactory): EvaluatorFactory {
  if (!process.env.TR_BENCH_DEBUG) return f;
  return {
    ...f,
    create(lane, partition, snapshot) {
      const ev = f.create(lane, partition, snapshot);
      return {
        async snapshot() {
          const t0 = performance.now();
          const snap = await ev.snapshot();
          const t1 = performance.now();
          const bytes = JSON.stringify(snap).length;
          process.stderr.write(
            `snapshot p${partition} ${(t1 - t0).toFixed(1)} ms, ${bytes} bytes (stringify ${(performance.now() - t1).toFixed(1)} ms)\n`,
          );
          return snap;
        },
        evaluate(sample) {
          const r = ev.evaluate(sample);
          if (r.intents.length > 0)
            process.stderr.write(`trace ${sample.trunkId}|${sample.time} seen ${Date.now()}\n`);
          return r;
        },
      };
    },
    planning: {
      ...f.planning,
      create(partition, snapshot) {
        const p = f.planning.create(partition, snapshot);
        return {
          snapshot: () => p.snapshot(),
          async plan(intent) {
            const received = Date.now();
            const out = await p.plan(intent);
            process.stderr.write(
              `trace ${intent.scope.value}|${intent.eventTime} received ${received} planned ${Date.now()}\n`,
            );
            return out;
          },
        };
      },
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * TR_BENCH_DEBUG: when the rules stage consumed and committed what (ms from the input
 * consumer's run()), so that a slower (b) shows whether it fetched, processed or committed later.
 */
function stageTimeline(p: Pipeline): (runSince: number, end: number) => void {
  const t = { firstConsumed: 0, lastConsumed: 0, consumed: 0, batches: 0, lastRulesCommit: 0, rulesTxns: 0 };
  let txnSeconds = 0;
  let maxTxn = 0;
  const planning: number[] = [];
  const unsubscribe = subscribe(p.probe, {
    'stage.consumed': (e) => {
      if (e.stage !== 'rules' || e.messages === 0) return;
      const now = Date.now();
      if (t.firstConsumed === 0) t.firstConsumed = now;
      t.lastConsumed = now;
      t.consumed += e.messages;
      t.batches++;
    },
    'stage.transaction': (e) => {
      if (e.stage !== 'rules') return;
      txnSeconds += e.seconds;
      maxTxn = Math.max(maxTxn, e.seconds);
    },
    'stage.committed': (e) => {
      if (e.stage === 'rules') {
        t.lastRulesCommit = Date.now();
        t.rulesTxns++;
      } else if (e.stage === 'planning') planning.push(Date.now());
    },
  });
  return (runSince, end) => {
    unsubscribe();
    const at = (x: number) => (x === 0 ? '-' : `${x - runSince} ms`);
    process.stderr.write(
      `timeline: first batch ${at(t.firstConsumed)}, last batch ${at(t.lastConsumed)} (${t.consumed} messages in ${t.batches} batches), ` +
        `last rules commit ${at(t.lastRulesCommit)} (${t.rulesTxns} transactions, ${Math.round(txnSeconds * 1000)} ms in all, longest ${Math.round(maxTxn * 1000)} ms), ` +
        `last planning commit ${at(planning.at(-1) ?? 0)}, done ${at(end)}\n`,
    );
  };
}
