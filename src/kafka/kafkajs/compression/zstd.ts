import { decompress } from 'fzstd';
import { CodecUnavailableError } from '../../errors.js';
import type { KafkaCodec } from './codec.js';

/**
 * Kafka's zstd codec (attributes codec 4): a standard Zstandard frame, as Java clients
 * (zstd-jni's stream, no content size) and librdkafka (one frame with its content size)
 * write it. Decompressed by fzstd, pure JavaScript (Node 20's zlib has no zstd). fzstd only
 * decompresses, and the project never produces zstd: `compress` says so.
 */
export const zstdCodec: KafkaCodec = {
  async compress() {
    throw new CodecUnavailableError(
      'zstd',
      'compress',
      'fzstd only decompresses',
      'produce with gzip, snappy or lz4; zstd batches from other producers are read',
    );
  },
  async decompress(buffer) {
    const out = decompress(buffer);
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  },
};
