/**
 * Installs the aborted-transaction filter (aborted-transactions.ts) and the lean batch
 * (lean-batch.ts) as this module is evaluated: imported by kafkajs.ts before kafkajs, so that
 * kafkajs' consumer takes them from the module cache when it loads. Then
 * registers the compression codecs kafkajs lacks (compression/install.ts), which loads kafkajs:
 * whatever imports kafkajs' values through kafkajs.ts finds every codec there.
 */
import { installAbortedTransactionFilter } from './aborted-transactions.js';
import { installCompressionCodecs } from './compression/install.js';
import { installLeanBatch } from './lean-batch.js';

installAbortedTransactionFilter();
installLeanBatch();
installCompressionCodecs();
