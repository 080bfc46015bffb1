/**
 * kafkajs' values (classes, enums) for this project's code: import them from here, not from
 * 'kafkajs'. Importing this module loads kafkajs after the lean batch is in its module cache
 * (lean-batch.ts; ES modules evaluate their imports in order, and kafkajs' consumer takes its
 * `Batch` when kafkajs loads). Types can come from 'kafkajs' itself: they load nothing.
 */
import './kafkajs/load.js';

export { CompressionTypes, Kafka, logLevel } from 'kafkajs';
