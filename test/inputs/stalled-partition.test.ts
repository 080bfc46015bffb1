import { createHash } from 'node:crypto';
import { ConfigResourceTypes } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { groupIds } from '../../src/app/pipeline.js';
import { DLQ_HEADERS } from '../../src/kafka/dead-letter.js';
import { freePort, until } from '../pipeline/support/admin-http.js';
import { configFile, type Instance, startInstance } from '../pipeline/support/child.js';
import {
  brokers,
  createTopics,
  goldenEventLines,
  goldenSandbox,
  testConfig,
  testKafka,
} from '../pipeline/support/harness.js';
import { kcatProduceLines, kcatProduceValue } from './support/kcat-producer.js';
import { readRecords } from './support/topic-reader.js';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
});

function trunkOf(line: string): string {
  return /"trunkId":"([^"]+)"/.exec(line)?.[1] ?? 'unknown';
}

interface Readiness {
  checks: Record<string, boolean>;
  details?: {
    progress?: Array<{
      stage: string;
      topic: string;
      partition: number;
      offset: string;
      failures: number;
      message: string;
    }>;
  };
}

describe('a partition that cannot make progress', () => {
  it('fails /readyz naming the partition, logs the stall once, shows its lag, and recovers', async () => {
    const { sandbox } = await goldenSandbox();
    cleanup.push(() => sandbox.close());
    const port = await freePort();
    const config = testConfig({
      brokers: brokers(),
      sandboxUrl: sandbox.url,
      partitions: 1,
      overrides: { admin: { port } },
    });
    const t = config.kafka.topics;
    const kafka = testKafka(config.kafka.brokers);
    const kadmin = kafka.admin();
    await kadmin.connect();
    cleanup.push(() => kadmin.disconnect());
    await createTopics(kadmin, config);
    const instance: Instance = startInstance(configFile(config), 'stalled');
    cleanup.push(async () => {
      instance.child.kill('SIGTERM');
      await instance.exited;
    });
    const base = `http://127.0.0.1:${port}`;
    const readyz = async () => {
      const res = await fetch(`${base}/readyz`);
      return { status: res.status, body: (await res.json()) as Readiness };
    };
    await until('ready', async () => ((await readyz()).status === 200 ? true : undefined));

    const target = { brokers: config.kafka.brokers, topic: t.events, partition: 0 };
    const lines = goldenEventLines().slice(0, 60);
    await kcatProduceLines(
      target,
      lines.slice(0, 50).map((value) => ({ key: trunkOf(value), value })),
    );
    const committed = async () => {
      const [o] = await kadmin.fetchOffsets({
        groupId: groupIds(config.kafka.groupId).repartition,
        topics: [t.events],
      });
      return Number(o?.partitions.find((p) => p.partition === 0)?.offset ?? -1);
    };
    await until('the first 50 events committed', async () => ((await committed()) === 50 ? true : undefined));

    // the dead-letter topic's limit lowered under a running instance: a bad value at offset 50,
    // larger than that, can no longer be dead-lettered, and its transaction fails every time
    const setLimit = (bytes: number) =>
      kadmin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: t.deadLetter,
            configEntries: [{ name: 'max.message.bytes', value: String(bytes) }],
          },
        ],
      });
    await setLimit(8_192);
    const garbage = Buffer.alloc(20_000);
    for (let i = 0; i < garbage.length; i += 32)
      createHash('sha256').update(`g${i}`).digest().copy(garbage, i);
    await kcatProduceValue(target, 'sg-byoc-01', garbage);
    await kcatProduceLines(
      target,
      lines.slice(50).map((value) => ({ key: trunkOf(value), value })),
    );

    const stalled = await until(
      'readyz to fail on the stalled partition',
      async () => {
        const r = await readyz();
        return r.status === 503 && r.body.details?.progress ? r.body : undefined;
      },
      60_000,
    );
    expect(stalled.checks.progress).toBe(false);
    expect(stalled.checks.consuming).toBe(true);
    expect(stalled.details?.progress).toEqual([
      expect.objectContaining({ stage: 'repartition', topic: t.events, partition: 0, offset: '50' }),
    ]);
    expect(stalled.details?.progress?.[0]?.message).toMatch(/\[0\] cannot get past offset 50/);

    // lag counts from the committed offset: the 11 records from the bad one on are behind
    const metrics = await (await fetch(`${base}/metrics`)).text();
    const lag = new RegExp(
      `trunk_reactor_consumer_lag\\{topic="${t.events.replace(/\./g, '\\.')}",partition="0"\\} (\\d+)`,
    ).exec(metrics);
    expect(Number(lag?.[1])).toBeGreaterThanOrEqual(11);

    // more failed attempts (each waiting longer, up to 5 s), yet each error line once: the
    // stall, the first abort, and kafkajs' refusals of the request
    await until(
      'more failed attempts',
      async () => {
        const f = (await readyz()).body.details?.progress?.[0]?.failures ?? 0;
        return f >= stalled.details!.progress![0]!.failures + 3 ? true : undefined;
      },
      60_000,
    );
    const errors = instance
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; msg: string; kafka?: string; error?: string })
      .filter((l) => l.level >= 50);
    expect(errors.filter((l) => l.msg.includes('cannot get past offset 50'))).toHaveLength(1);
    expect(errors.filter((l) => l.msg.includes('transaction aborted'))).toHaveLength(1);
    const texts = errors.map((l) => `${l.kafka} ${l.msg} ${l.error}`);
    expect(texts.filter((l, i) => texts.indexOf(l) !== i)).toEqual([]);

    // the limit raised again: the partition commits past the record and is ready again
    await setLimit(1_048_588);
    await until('the partition to commit past the bad record', async () =>
      (await committed()) === 61 ? true : undefined,
    );
    await until('ready again', async () => ((await readyz()).status === 200 ? true : undefined));
    const dead = await readRecords(kafka, t.deadLetter, (r) =>
      r.some((d) => d.headers[DLQ_HEADERS.offset] === '50'),
    );
    expect(dead.filter((d) => d.headers[DLQ_HEADERS.offset] === '50')).toHaveLength(1);
  }, 180_000);
});
