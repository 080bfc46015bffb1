import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';
import { waitUntil } from '../kafka/wait-until.js';
import {
  brokers,
  createTopics,
  goldenEventLines,
  goldenSandbox,
  produceEvents,
  settled,
  startAssembled,
  testConfig,
  testKafka,
  testRulesFile,
} from './support/harness.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
});

interface LogLine {
  level: number;
  msg?: string;
  stage?: string;
  [field: string]: unknown;
}

/** pino's level numbers: 50 error, 60 fatal */
const ERROR = 50;
const EOS_WARNING = 'Limiting retries for the idempotent producer may invalidate EoS guarantees';

/** A pino logger at debug (the service's own, with its redaction) whose lines land, parsed, in `lines`. */
function capturingLogger(): { logger: ReturnType<typeof createLogger>; lines: LogLine[] } {
  const lines: LogLine[] = [];
  let partial = '';
  const destination = new Writable({
    write(chunk, _enc, done) {
      partial += String(chunk);
      const complete = partial.split('\n');
      partial = complete.pop() ?? '';
      for (const l of complete) if (l.trim() !== '') lines.push(JSON.parse(l) as LogLine);
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), lines };
}

describe('logs of a healthy run (real broker, sandbox over HTTP)', () => {
  it('a healthy run writes no error-level line and no exactly-once warning through start-up, group joins, transactions and adjustments', async () => {
    const { sandbox } = await goldenSandbox();
    cleanup.push(() => sandbox.close());
    const config = testConfig({
      brokers: brokers(),
      sandboxUrl: sandbox.url,
      partitions: 3,
      rulesFile: testRulesFile(),
    });
    const kafka = testKafka(config.kafka.brokers);
    const kadmin = kafka.admin();
    await kadmin.connect();
    cleanup.push(() => kadmin.disconnect());
    // fresh topics and groups: the run starts as a first deployment does, with group
    // coordinators that are not ready yet
    await createTopics(kadmin, config);
    await produceEvents(kafka, config.kafka.topics.events, goldenEventLines());

    const { logger, lines } = capturingLogger();
    const { app, fatal } = await startAssembled(config, cleanup, logger);
    const produced = () => app.pipeline.committed(config.kafka.topics.adjustments);
    await waitUntil(() => produced() > 0, 'adjustments', 60_000);
    await settled(produced);
    await waitUntil(
      () => app.pipeline.writerStats.outcomes >= produced(),
      () => `outcomes for all ${produced()} adjustments (have ${app.pipeline.writerStats.outcomes})`,
      60_000,
    );
    await app.pipeline.stop(Date.now() + 5_000);
    expect(fatal()).toBeUndefined();

    // it went through what a first minute holds: every stage joined its group, transactions
    // committed back to back, the writer applied adjustments
    const assigned = new Set(lines.filter((l) => l.msg === 'partitions assigned').map((l) => l.stage));
    expect([...assigned].sort()).toEqual(['planning', 'repartition', 'rules', 'writer']);
    expect(produced()).toBeGreaterThan(0);
    expect(app.pipeline.writerStats.commits).toBeGreaterThan(0);

    expect(lines.filter((l) => l.level >= ERROR)).toEqual([]);
    expect(lines.filter((l) => String(l.msg).includes(EOS_WARNING))).toEqual([]);
  }, 120_000);
});
