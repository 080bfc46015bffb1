/**
 * The one place kafkajs is loaded for this project, with the adapter's parts in it:
 *
 * - the aborted-transaction filter (aborted-transactions.ts): a correction, kafkajs' own lets
 *   records of some aborted transactions through;
 * - the lean consumer `Batch` (lean-batch.ts) and the lean record decoder (record-decoder.ts):
 *   the same records and batches for a fraction of the cost, only on the kafkajs version they
 *   mirror, and not with `TR_KAFKAJS_RECORD_DECODER=kafkajs`;
 * - the codecs kafkajs lacks (compression/install.ts);
 * - coordinators kept between requests (coordinator-cache.ts): kafkajs looks one up before
 *   every coordinator request, four times per transaction; not with
 *   `TR_KAFKAJS_COORDINATOR_CACHE=off`.
 *
 * kafkajs' modules take these parts from the CommonJS module cache when they are evaluated
 * (its consumer group takes `Batch` as kafkajs loads, its fetch responses take the record
 * decoder as the first fetch of a version is made). So `loadKafkajs` puts the parts in the cache
 * first and evaluates, afresh, every kafkajs module that takes one: if something loaded
 * kafkajs before (a test, a library), those modules are evaluated again and the kafkajs this
 * returns — the one every client of the adapter is made from — runs the parts all the same. The
 * modules they share with the earlier copy (errors, protocol, network) are not evaluated again,
 * so errors are of one class whichever copy threw them. No import order changes which code
 * runs: nothing outside this folder imports kafkajs (test/kafka/boundaries.test.ts), and in
 * this folder kafkajs' values come from here. Types may come from 'kafkajs': they load nothing.
 */
import { createRequire } from 'node:module';
import { installAbortedTransactionFilter } from './aborted-transactions.js';
import { installCompressionCodecs } from './compression/install.js';
import { coordinatorCacheEnabled, installCoordinatorCache } from './coordinator-cache.js';
import { installLeanBatch } from './lean-batch.js';
import { type InstallResult, installFastRecordDecoder } from './record-decoder.js';

const require = createRequire(import.meta.url);

/** kafkajs' module, as `require('kafkajs')` gives it */
export type Kafkajs = typeof import('kafkajs');

export interface LoadedKafkajs {
  kafkajs: Kafkajs;
  /** which of the adapter's parts are in place, and why not */
  parts: {
    decoder: InstallResult;
    batch: InstallResult;
    abortedFilter: InstallResult;
    /** coordinators kept between requests */
    coordinatorCache: boolean;
  };
}

/** The kafkajs modules that take a replaced part when they are evaluated (kafkajs 2.2.4). */
const TAKING_PARTS = [
  'kafkajs',
  'kafkajs/src/index.js',
  'kafkajs/src/consumer/index.js',
  'kafkajs/src/consumer/consumerGroup.js',
  'kafkajs/src/consumer/batch.js',
  'kafkajs/src/consumer/filterAbortedMessages.js',
  'kafkajs/src/protocol/recordBatch/v0/decoder.js',
  'kafkajs/src/protocol/requests/fetch/v4/decodeMessages.js',
  ...[4, 5, 6, 7, 8, 9, 10, 11].map((v) => `kafkajs/src/protocol/requests/fetch/v${v}/response.js`),
];

let loaded: LoadedKafkajs | undefined;

/** kafkajs with the adapter's parts in place; loaded once per process. */
export function loadKafkajs(): LoadedKafkajs {
  loaded ??= load();
  return loaded;
}

function load(): LoadedKafkajs {
  for (const id of TAKING_PARTS) {
    const path = resolve(id);
    if (path) delete require.cache[path];
  }
  // the filter before the batch (kafkajs' Batch takes it), both before kafkajs' consumer
  const abortedFilter = installAbortedTransactionFilter();
  const batch = installLeanBatch();
  const decoder = installFastRecordDecoder();
  const kafkajs = require('kafkajs') as Kafkajs;
  installCompressionCodecs(kafkajs);
  const coordinatorCache = coordinatorCacheEnabled();
  if (coordinatorCache)
    installCoordinatorCache(
      (require('kafkajs/src/cluster/index.js') as { prototype: Record<string, unknown> }).prototype,
      (require('kafkajs/src/broker/index.js') as { prototype: Record<string, unknown> }).prototype,
    );
  return { kafkajs, parts: { decoder, batch, abortedFilter, coordinatorCache } };
}

function resolve(id: string): string | undefined {
  try {
    return require.resolve(id);
  } catch {
    return undefined;
  }
}
