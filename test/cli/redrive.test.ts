import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, inject, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { DLQ_HEADERS, deadLetterMessage } from '../../src/kafka/dead-letter.js';

async function readAll(kafka: Kafka, topic: string, expected: number) {
  const consumer = kafka.consumer({ groupId: `${topic}-check-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen: Array<{ key: string; value: string }> = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, 4000);
    consumer
      .run({
        eachMessage: async ({ message }) => {
          seen.push({ key: message.key!.toString(), value: message.value!.toString() });
          if (seen.length > expected) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return seen;
}

describe('trunk-reactor redrive', () => {
  it('sends writer dead letters back to their topic unchanged, once per filter, and leaves the rest', async () => {
    const brokers = inject('kafkaBrokers') as string;
    const id = `redrive-${Date.now()}`;
    const kafka = new Kafka({ clientId: id, brokers: brokers.split(','), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: `${id}-dlq`, numPartitions: 2 },
        { topic: `${id}-adj`, numPartitions: 2 },
      ],
    });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    const src = (n: number, key: string, value: string) => ({
      topic: `${id}-adj`,
      partition: 0,
      offset: String(n),
      key: Buffer.from(key),
      value: Buffer.from(value),
    });
    await producer.send({
      topic: `${id}-dlq`,
      messages: [
        deadLetterMessage(
          src(1, 'agent-1', '{"adj":1}'),
          { code: 'TR_ERR_WRITER_RETRY_BUDGET_EXHAUSTED', message: 'outage' },
          'writer',
        ),
        deadLetterMessage(
          src(2, 'agent-2', '{"adj":2}'),
          { code: 'TR_ERR_WFM_IDEMPOTENCY_KEY_REUSED', message: 'bug' },
          'writer',
        ),
        deadLetterMessage(
          src(3, 'trunk-1', 'not json'),
          { code: 'TR_ERR_EVENT_DECODE', message: 'bad' },
          'rules',
        ),
      ],
    });
    await producer.disconnect();
    const dir = mkdtempSync(join(tmpdir(), 'redrive-'));
    const config = join(dir, 'c.yaml');
    writeFileSync(
      config,
      `kafka:\n  brokers: [${brokers}]\n  groupId: ${id}\n  topics: { deadLetter: ${id}-dlq }\n`,
    );

    expect(
      await main(['redrive', '--config', config, '--code', 'TR_ERR_WRITER_RETRY_BUDGET_EXHAUSTED']),
    ).toBe(0);
    expect(await main(['redrive', '--config', config])).toBe(0);
    expect(await main(['redrive', '--config', config])).toBe(0);

    // the code-filtered run took agent-1; the stage-wide run takes both writer dead letters
    // (agent-1 again, harmless: same idempotency key); the third run finds nothing new
    const redriven = await readAll(kafka, `${id}-adj`, 3);
    expect(redriven.sort((a, b) => a.key.localeCompare(b.key))).toEqual([
      { key: 'agent-1', value: '{"adj":1}' },
      { key: 'agent-1', value: '{"adj":1}' },
      { key: 'agent-2', value: '{"adj":2}' },
    ]);
  });

  it('leaves a dead letter that names an undecodable record batch where it is: it carries none of the batch', async () => {
    const brokers = inject('kafkaBrokers') as string;
    const id = `redrive-batch-${Date.now()}`;
    const kafka = new Kafka({ clientId: id, brokers: brokers.split(','), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: `${id}-dlq`, numPartitions: 1 },
        { topic: `${id}-events`, numPartitions: 1 },
      ],
    });
    await admin.disconnect();
    const batch = deadLetterMessage(
      { topic: `${id}-events`, partition: 0, offset: '10', key: null, value: null },
      { code: 'TR_ERR_EVENT_BATCH_UNDECODABLE', message: 'lz4 checksum' },
      'rules',
    );
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: `${id}-dlq`,
      messages: [
        { ...batch, headers: { ...batch.headers, [DLQ_HEADERS.lastOffset]: '19' } },
        deadLetterMessage(
          {
            topic: `${id}-events`,
            partition: 0,
            offset: '20',
            key: Buffer.from('t1'),
            value: Buffer.from('{}'),
          },
          { code: 'TR_ERR_EVENT_DECODE', message: 'bad' },
          'rules',
        ),
      ],
    });
    await producer.disconnect();
    const dir = mkdtempSync(join(tmpdir(), 'redrive-'));
    const config = join(dir, 'c.yaml');
    writeFileSync(
      config,
      `kafka:\n  brokers: [${brokers}]\n  groupId: ${id}\n  topics: { deadLetter: ${id}-dlq }\n`,
    );
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => {
      out.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      expect(await main(['redrive', '--config', config, '--stage', 'rules'])).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    expect(out.join('')).toMatch(
      /not redriven: .* names a record batch that could not be decoded .*offsets 10–19/,
    );
    const redriven = await readAll(kafka, `${id}-events`, 1);
    expect(redriven).toEqual([{ key: 't1', value: '{}' }]);
  });
});
