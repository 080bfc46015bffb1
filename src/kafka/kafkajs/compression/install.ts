import { createRequire } from 'node:module';
import type { CompressionCodecs as KafkajsCodecs, CompressionTypes as KafkajsTypes } from 'kafkajs';
import type { KafkaCodec } from './codec.js';
import { lz4Codec } from './lz4.js';
import { snappyCodec } from './snappy.js';
import { zstdCodec } from './zstd.js';

const require = createRequire(import.meta.url);

/**
 * Registers the codecs kafkajs lacks (it ships gzip only, and fails a fetch holding any other
 * compressed batch: "Snappy compression not implemented") in kafkajs' own codec table, its
 * public `CompressionCodecs`. Loads kafkajs: run it where kafkajs is loaded for this project,
 * after the lean batch is in place (kafkajs-lean-install.ts). Idempotent.
 */
export function installCompressionCodecs(): void {
  const { CompressionCodecs, CompressionTypes } = require('kafkajs') as {
    CompressionCodecs: typeof KafkajsCodecs;
    CompressionTypes: typeof KafkajsTypes;
  };
  const table = CompressionCodecs as Record<number, () => KafkaCodec>;
  table[CompressionTypes.Snappy] = () => snappyCodec;
  table[CompressionTypes.LZ4] = () => lz4Codec;
  table[CompressionTypes.ZSTD] = () => zstdCodec;
}
