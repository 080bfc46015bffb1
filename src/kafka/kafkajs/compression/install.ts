import type { CompressionCodecs as KafkajsCodecs, CompressionTypes as KafkajsTypes } from 'kafkajs';
import type { KafkaCodec } from './codec.js';
import { lz4Codec } from './lz4.js';
import { snappyCodec } from './snappy.js';
import { zstdCodec } from './zstd.js';

/**
 * Registers the codecs kafkajs lacks (it ships gzip only, and fails a fetch holding any other
 * compressed batch: "Snappy compression not implemented") in kafkajs' own codec table, its
 * public `CompressionCodecs` (load.ts, as it loads kafkajs). Idempotent.
 */
export function installCompressionCodecs(kafkajs: {
  CompressionCodecs: typeof KafkajsCodecs;
  CompressionTypes: typeof KafkajsTypes;
}): void {
  const { CompressionCodecs, CompressionTypes } = kafkajs;
  const table = CompressionCodecs as Record<number, () => KafkaCodec>;
  table[CompressionTypes.Snappy] = () => snappyCodec;
  table[CompressionTypes.LZ4] = () => lz4Codec;
  table[CompressionTypes.ZSTD] = () => zstdCodec;
}
