import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, inject, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { decodeTrunkEvent } from '../../src/events/decode.js';

describe('trunk-reactor produce', () => {
  it('publishes generated events keyed by trunk id into a topic it creates', async () => {
    const brokers = inject('kafkaBrokers') as string;
    const topic = `produce-${Date.now()}`;
    const code = await main([
      'produce',
      '--generate',
      '--count',
      '300',
      '--trunks',
      '15',
      '--rate',
      '0',
      '--brokers',
      brokers,
      '--topic',
      topic,
      '--start',
      '2026-11-27T09:00:00+08:00',
    ]);
    expect(code).toBe(0);
    const kafka = new Kafka({
      clientId: 'produce-test',
      brokers: brokers.split(','),
      logLevel: logLevel.NOTHING,
    });
    const consumer = kafka.consumer({ groupId: `${topic}-reader` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen: Array<{ key: string; trunkId: string }> = [];
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ message }) => {
            const r = decodeTrunkEvent(message.value);
            if (!r.ok) return reject(new Error(r.error.message));
            seen.push({ key: message.key!.toString(), trunkId: r.sample.trunkId });
            if (seen.length === 300) resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    expect(seen.every((m) => m.key === m.trunkId)).toBe(true);
    expect(new Set(seen.map((m) => m.trunkId)).size).toBe(15);
  });

  it('refuses to run without a source', async () => {
    expect(await main(['produce', '--rate', '10'])).toBe(2);
  });
});
