import { describe, expect, it } from 'vitest';
import { runInFreshProcess } from './kafkajs-parts.js';

/**
 * After `first` (some imports, in a fresh process), makes a client through the port and reports
 * what kafkajs runs for it, read from the module graph kafkajs' own code calls through: the
 * `Batch` its consumer group makes, the record decoder its fetch responses decode with.
 */
function clientAfter(first: string, env: Record<string, string> = {}): Record<string, unknown> {
  return runInFreshProcess(
    `import { createRequire } from 'node:module';
     const require = createRequire(import.meta.url);
     ${first}
     const { createKafka } = await import('./src/kafka/client.ts');
     const { loadKafkajs } = await import('./src/kafka/kafkajs/load.ts');
     const kafka = createKafka({ kafka: { clientId: 'order', brokers: ['127.0.0.1:1'], connectionTimeoutMs: 100, ssl: false } });
     kafka.groupConsumer({ name: 'order', groupId: 'g', topic: 't', logger: console, onFatal: () => {} });
     const at = (id) => require.cache[require.resolve(id)];
     const child = (parent, id) => parent?.children.find((m) => m.filename === require.resolve(id));
     const index = at('kafkajs');
     const consumer = child(child(index, 'kafkajs/src/index.js'), 'kafkajs/src/consumer/index.js');
     const group = child(consumer, 'kafkajs/src/consumer/consumerGroup.js');
     const batch = child(group, 'kafkajs/src/consumer/batch.js');
     // a fetch response module as kafkajs' fetch request requires it (at each fetch)
     require('kafkajs/src/protocol/requests/fetch/v4/response.js');
     const messages = child(at('kafkajs/src/protocol/requests/fetch/v4/response.js'), 'kafkajs/src/protocol/requests/fetch/v4/decodeMessages.js');
     const decoder = child(messages, 'kafkajs/src/protocol/recordBatch/v0/decoder.js');
     const { parts } = loadKafkajs();
     console.log(JSON.stringify({
       clientKafkajs: index.exports === loadKafkajs().kafkajs,
       batch: batch?.exports.name,
       decoder: decoder?.exports.name,
       // the Cluster class kafkajs' clients are made of, as its entry requires it
       coordinatorCache: require('kafkajs/src/cluster/index.js').prototype[Symbol.for('trunk-reactor.coordinator-cache')] === true,
       parts,
     }));`,
    env,
  );
}

const LEAN = {
  clientKafkajs: true,
  batch: 'LeanBatch',
  decoder: 'leanRecordBatchDecoder',
  coordinatorCache: true,
  parts: {
    decoder: { installed: true },
    batch: { installed: true },
    abortedFilter: { installed: true },
    coordinatorCache: true,
  },
};

describe("kafkajs' lean parts, whatever is imported first", () => {
  it('are used when the adapter loads kafkajs first', () => {
    expect(clientAfter('')).toEqual(LEAN);
  });

  it('are used when kafkajs itself was loaded first, its consumer and its fetch decoding included', () => {
    const out = clientAfter(
      `const early = require('kafkajs');
       new early.Kafka({ brokers: ['127.0.0.1:1'] }).consumer({ groupId: 'early' });
       require('kafkajs/src/protocol/requests/fetch/v4/response.js');`,
    );
    expect(out).toEqual(LEAN);
  });

  it("are used when the application's modules were imported first", () => {
    const out = clientAfter(
      `await import('./src/app/pipeline.ts');
       await import('./src/app/assemble.ts');
       await import('./src/cli/commands/redrive.ts');`,
    );
    expect(out).toEqual(LEAN);
  });

  it("give way to kafkajs' own when asked to (the aborted-transaction filter stays)", () => {
    const out = clientAfter('', { TR_KAFKAJS_RECORD_DECODER: 'kafkajs' });
    expect(out).toMatchObject({
      clientKafkajs: true,
      batch: 'Batch',
      parts: {
        decoder: { installed: false, reason: expect.stringContaining('TR_KAFKAJS') },
        batch: { installed: false },
        abortedFilter: { installed: true },
      },
    });
    expect(out.decoder).not.toBe('leanRecordBatchDecoder');
  });

  it('keep no coordinators when asked not to', () => {
    const out = clientAfter('', { TR_KAFKAJS_COORDINATOR_CACHE: 'off' });
    expect(out).toMatchObject({ coordinatorCache: false, parts: { coordinatorCache: false } });
  });
});
