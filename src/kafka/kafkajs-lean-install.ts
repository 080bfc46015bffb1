/**
 * Installs the lean batch (lean-batch.ts) as this module is evaluated: imported by kafkajs.ts
 * before kafkajs, so that kafkajs' consumer takes it from the module cache when it loads.
 */
import { installLeanBatch } from './lean-batch.js';

installLeanBatch();
