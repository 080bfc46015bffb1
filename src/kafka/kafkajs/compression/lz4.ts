import { createRequire } from 'node:module';
import { CodecUnavailableError } from '../../errors.js';
import type { KafkaCodec } from './codec.js';

const require = createRequire(import.meta.url);

interface Lz4Napi {
  compressFrame(data: Uint8Array): Promise<Buffer>;
  decompressFrame(data: Uint8Array): Promise<Buffer>;
}

let lz4: Lz4Napi | undefined;

/**
 * lz4-napi, loaded on the first lz4 batch: its native part comes prebuilt in a package per
 * platform (npm installs the one that fits), so a platform without one fails here, with the
 * platform named, and only lz4 batches are refused, not the process's start.
 */
function lz4Napi(operation: 'compress' | 'decompress'): Lz4Napi {
  if (lz4) return lz4;
  try {
    lz4 = require('lz4-napi') as Lz4Napi;
    return lz4;
  } catch (cause) {
    throw new CodecUnavailableError(
      'lz4',
      operation,
      `lz4-napi has no prebuilt binary loadable on ${process.platform}-${process.arch} (${(cause as Error).message})`,
      'reinstall with `npm ci` on this platform, or have producers use gzip, snappy or zstd',
      cause,
    );
  }
}

/**
 * Kafka's lz4 codec (attributes codec 3): the LZ4 frame format (magic 0x184D2204), as Java
 * clients (KafkaLZ4BlockOutputStream) and librdkafka write it for record batches. On lz4-napi,
 * lz4_flex's frame codec: frames with or without block and content checksums, linked or
 * independent blocks, a content size or none. The checksums a frame carries are verified,
 * and the broker does not verify a content checksum: a batch whose content does not match
 * its checksum is stored, and is refused here (dead-lettered by position, undecodable-batch.ts).
 */
export const lz4Codec: KafkaCodec = {
  async compress(encoder) {
    return lz4Napi('compress').compressFrame(encoder.buffer);
  },
  async decompress(buffer) {
    return lz4Napi('decompress').decompressFrame(buffer);
  },
};
