import snappyjs from 'snappyjs';
import type { KafkaCodec } from './codec.js';

/** snappy-java's stream header: a magic of 8 bytes, then its version and the oldest it reads (int32 each). */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;

/**
 * Kafka's snappy codec (attributes codec 2), on snappyjs: pure JavaScript, nothing to build or
 * load per platform. Producers frame it in two ways, and both reach a consumer as they were
 * sent (the broker stores a batch as produced when the topic's compression is `producer`):
 * - Java clients write snappy-java's stream: the xerial header, then chunks, each a big-endian
 *   int32 length and one raw snappy block;
 * - librdkafka (and every client on it: Python, Go, .NET, kcat) writes one raw snappy block.
 * `decompress` reads both, as the broker does (a stream it refuses is refused here too, and
 * what it reads is read); `compress` writes one raw block, as librdkafka.
 */
export const snappyCodec: KafkaCodec = {
  async compress(encoder) {
    return asBuffer(snappyjs.compress(encoder.buffer));
  },
  async decompress(buffer) {
    if (!isXerial(buffer)) return asBuffer(snappyjs.uncompress(buffer));
    const blocks: Buffer[] = [];
    let at = XERIAL_HEADER_BYTES;
    // fewer than 4 bytes left end the stream, as snappy-java (the broker's and Java clients'
    // reader) takes them: a batch it reads is read here too
    while (at + 4 <= buffer.length) {
      const length = buffer.readInt32BE(at);
      at += 4;
      if (length < 0 || at + length > buffer.length) {
        throw new RangeError(
          `xerial snappy: the chunk at byte ${at - 4} claims ${length} bytes, ${buffer.length - at} are left`,
        );
      }
      blocks.push(asBuffer(snappyjs.uncompress(buffer.subarray(at, at + length))));
      at += length;
    }
    return blocks.length === 1 ? blocks[0]! : Buffer.concat(blocks);
  },
};

function isXerial(buffer: Buffer): boolean {
  return buffer.length >= XERIAL_HEADER_BYTES && buffer.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC);
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
