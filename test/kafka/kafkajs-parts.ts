import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fastRecordBatchDecoder, type RecordBatchDecoder } from '../../src/kafka/kafkajs/record-decoder.js';

/**
 * kafkajs' internals and the lean decoder over them, for the tests that hold the lean parts
 * (fast-records.ts, lean-batch.ts) to kafkajs' own. A test process never installs the lean
 * parts in kafkajs' module cache: what is required here is kafkajs as shipped.
 */
export const kafkajsRequire = createRequire(import.meta.url);
export type KafkaDecoder = Parameters<RecordBatchDecoder>[0];
export const Decoder = kafkajsRequire('kafkajs/src/protocol/decoder.js') as new (b: Buffer) => KafkaDecoder;
/** kafkajs' own record batch decoder */
export const kafkajsDecoder = kafkajsRequire(
  'kafkajs/src/protocol/recordBatch/v0/decoder.js',
) as RecordBatchDecoder;
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
