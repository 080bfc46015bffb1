import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fastRecordBatchDecoder, type RecordBatchDecoder } from '../../src/kafka/kafkajs/record-decoder.js';

/**
 * kafkajs' internals and the lean decoder over them, for the tests that hold the lean parts
 * (kafkajs/record-decoder.ts, kafkajs/lean-batch.ts) to kafkajs' own. kafkajs' own parts are
 * evaluated afresh from kafkajs' files (`shipped`): a test file run earlier in this process may
 * have loaded kafkajs through the adapter, which puts the lean parts in the module cache.
 */
export const kafkajsRequire = createRequire(import.meta.url);

/**
 * kafkajs' module `id` as shipped, evaluated afresh together with `with` (modules of kafkajs it
 * takes a replaceable part from), whatever the module cache holds; the cache is left as it was.
 */
export function shipped<T>(id: string, ...with_: string[]): T {
  const paths = [id, ...with_].map((p) => kafkajsRequire.resolve(p));
  const saved = paths.map((p) => kafkajsRequire.cache[p]);
  for (const p of paths) delete kafkajsRequire.cache[p];
  try {
    return kafkajsRequire(id) as T;
  } finally {
    paths.forEach((p, i) => {
      const was = saved[i];
      if (was) kafkajsRequire.cache[p] = was;
      else delete kafkajsRequire.cache[p];
    });
  }
}
export type KafkaDecoder = Parameters<RecordBatchDecoder>[0];
export const Decoder = kafkajsRequire('kafkajs/src/protocol/decoder.js') as new (b: Buffer) => KafkaDecoder;
/** kafkajs' own record batch decoder */
export const kafkajsDecoder = shipped<RecordBatchDecoder>('kafkajs/src/protocol/recordBatch/v0/decoder.js');
export const fastDecoder = fastRecordBatchDecoder({
  lookupCodecByAttributes: kafkajsRequire('kafkajs/src/protocol/message/compression/index.js')
    .lookupCodecByAttributes,
  PartialMessageError: kafkajsRequire('kafkajs/src/errors.js').KafkaJSPartialMessageError,
  TimestampTypes: kafkajsRequire('kafkajs/src/protocol/timestampTypes.js'),
});

/**
 * Runs an ES module script (TypeScript through tsx) in a fresh Node process at the project's
 * root, where nothing is loaded yet; its last line of output, parsed as JSON.
 */
export function runInFreshProcess(script: string, env: Record<string, string>): Record<string, unknown> {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: new URL('../..', import.meta.url).pathname,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}
