/**
 * A leaner record decoder for kafkajs' consumers in this process.
 *
 * kafkajs 2.2.4 decodes every record of a fetch with a `Decoder` of its own over a copy-free
 * slice, reads the timestamp delta as a `Long`, and makes the record's offset and timestamp by
 * parsing the batch's first offset and first timestamp from strings into `Long`s, adding, and
 * printing them back: two string→Long parses and two Long→string prints per record. On this
 * project's 2-core machines that is most of what a consumer costs (docs/benchmarks.md,
 * bench:pipeline). This decoder makes records of exactly the same shape and values
 * (`magicByte`, `attributes`, `timestamp` and `offset` as decimal strings, `key`, `value`,
 * `headers`, `isControlRecord`, the shared `batchContext`) reading varints as numbers straight
 * from the batch's buffer; offsets and timestamps are added as numbers while they are safe
 * integers, and as BigInts beyond (never in practice: 2^53 messages).
 *
 * The records are lean records (lean-record.ts). The decoder replaces kafkajs'
 * `protocol/recordBatch/v0/decoder.js` in the module cache before the fetch decoders load it
 * (load.ts sees to that, whatever loaded kafkajs first). It is installed only on the kafkajs
 * version it was written and tested against (the lockfile's); on any other version kafkajs'
 * own decoder stays and the caller is told why. `fast-records.test.ts` holds it to
 * kafkajs' decoder on random batches (offsets and timestamps near 2^53 and beyond, null and
 * empty keys and values, repeated headers, control batches, gzip, truncated tails).
 *
 * Where kafkajs fails the whole fetch, on a compressed batch it cannot decode (a codec it
 * lacks or does not know, a corrupt payload), this decoder gives one `UndecodableBatch` in the
 * batch's place, and the partitions' other batches as usual (undecodable-batch.ts).
 */
import { createRequire } from 'node:module';
import { UndecodableBatch } from '../undecodable-batch.js';
import { type BatchContext, type DecodedRecord, decodeRecords } from './lean-record.js';

const require = createRequire(import.meta.url);

/** The kafkajs version this decoder mirrors. */
export const FAST_RECORDS_KAFKAJS_VERSION = '2.2.4';

const RECORD_BATCH_DECODER = 'kafkajs/src/protocol/recordBatch/v0/decoder.js';

// kafkajs' own pieces the outer batch decoding keeps using
interface KafkaDecoder {
  buffer: Buffer;
  offset: number;
  readInt8(): number;
  readInt16(): number;
  readInt32(): number;
  readInt64(): { toString(): string };
  readAll(): Buffer;
  slice(size: number): KafkaDecoder;
  forward(size: number): void;
}
type Codec = { decompress(buffer: Buffer): Promise<Buffer> } | null;

export type RecordBatchDecoder = (
  fetchDecoder: KafkaDecoder,
) => Promise<Omit<BatchContext, 'magicByte'> & { records: DecodedRecord[] }>;

const COMPRESSION_CODEC_MASK = 0x07;
const TIMESTAMP_TYPE_FLAG_MASK = 0x8;
const TRANSACTIONAL_FLAG_MASK = 0x10;
const CONTROL_FLAG_MASK = 0x20;
/** kafkajs' record batch decoder with the per-record work done the lean way (see above). */
export function fastRecordBatchDecoder(kafkajs: {
  lookupCodecByAttributes: (attributes: number) => Codec;
  PartialMessageError: new (message: string) => Error;
  TimestampTypes: { LOG_APPEND_TIME: number; CREATE_TIME: number };
}): RecordBatchDecoder {
  const { lookupCodecByAttributes, PartialMessageError, TimestampTypes } = kafkajs;
  const leanRecordBatchDecoder: RecordBatchDecoder = async (fetchDecoder) => {
    // the batch header exactly as kafkajs reads it
    const firstOffset = fetchDecoder.readInt64().toString();
    const length = fetchDecoder.readInt32();
    const decoder = fetchDecoder.slice(length);
    fetchDecoder.forward(length);
    const remainingBytes = Buffer.byteLength(decoder.buffer);
    if (remainingBytes < length) {
      throw new PartialMessageError(
        `Tried to decode a partial record batch: remainingBytes(${remainingBytes}) < recordBatchLength(${length})`,
      );
    }
    const partitionLeaderEpoch = decoder.readInt32();
    const magicByte = decoder.readInt8();
    decoder.readInt32(); // CRC, not checked (neither does kafkajs)
    const attributes = decoder.readInt16();
    const lastOffsetDelta = decoder.readInt32();
    const firstTimestamp = decoder.readInt64().toString();
    const maxTimestamp = decoder.readInt64().toString();
    const producerId = decoder.readInt64().toString();
    const producerEpoch = decoder.readInt16();
    const firstSequence = decoder.readInt32();
    const timestampType =
      (attributes & TIMESTAMP_TYPE_FLAG_MASK) > 0
        ? TimestampTypes.LOG_APPEND_TIME
        : TimestampTypes.CREATE_TIME;
    const recordContext = {
      firstOffset,
      firstTimestamp,
      partitionLeaderEpoch,
      inTransaction: (attributes & TRANSACTIONAL_FLAG_MASK) > 0,
      isControlBatch: (attributes & CONTROL_FLAG_MASK) > 0,
      lastOffsetDelta,
      producerId,
      producerEpoch,
      firstSequence,
      maxTimestamp,
      timestampType,
    };
    const batchContext: BatchContext = { ...recordContext, magicByte };
    const count = decoder.readInt32();
    let records: DecodedRecord[];
    if ((attributes & COMPRESSION_CODEC_MASK) === 0) {
      records =
        count === -1
          ? []
          : decodeRecords(decoder.buffer, decoder.offset, count, batchContext, TimestampTypes);
    } else if (count <= 0) {
      records = [];
    } else {
      // a batch whose records cannot be had (no such codec, a corrupt payload, records that do
      // not parse once decompressed) becomes one message in their place, for the stage to
      // dead-letter by position, instead of failing the whole fetch (undecodable-batch.ts)
      try {
        const codec = lookupCodecByAttributes(attributes);
        if (!codec) throw new Error(`Kafka defines no codec ${attributes & COMPRESSION_CODEC_MASK}`);
        const decompressed = await codec.decompress(decoder.readAll());
        records = decodeRecords(decompressed, 0, count, batchContext, TimestampTypes);
      } catch (cause) {
        // it carries the batch context kafkajs' consumer reads of every record
        records = [new UndecodableBatch(batchContext, attributes, count, cause) as unknown as DecodedRecord];
      }
    }
    return { ...recordContext, records };
  };
  return leanRecordBatchDecoder;
}

export type InstallResult = { installed: true } | { installed: false; reason: string };

let installed: InstallResult | undefined;

/**
 * Puts the lean decoder in place of kafkajs' record batch decoder in the module cache, once per
 * process (load.ts, before kafkajs' fetch decoding is evaluated); on a kafkajs version other
 * than FAST_RECORDS_KAFKAJS_VERSION, or when asked not to, kafkajs' own stays.
 */
export function installFastRecordDecoder(): InstallResult {
  installed ??= install();
  return installed;
}

/**
 * Why a lean replacement of a kafkajs part must not go in, or undefined: the opt-out
 * (`TR_KAFKAJS_RECORD_DECODER=kafkajs`, for the decoder and the batch alike) or a kafkajs
 * version other than the one mirrored. `own`: the kafkajs part that then stays ("decoder"),
 * `lean`: the replacement's name ("lean record decoder").
 */
export function kafkajsReplacementRefused(own: string, lean: string): InstallResult | undefined {
  if (process.env.TR_KAFKAJS_RECORD_DECODER === 'kafkajs') {
    return { installed: false, reason: `TR_KAFKAJS_RECORD_DECODER=kafkajs keeps kafkajs' own ${own}` };
  }
  let version: string;
  try {
    version = (require('kafkajs/package.json') as { version: string }).version;
  } catch {
    return { installed: false, reason: "kafkajs' package.json is not readable" };
  }
  if (version !== FAST_RECORDS_KAFKAJS_VERSION) {
    return {
      installed: false,
      reason: `kafkajs is ${version}; the ${lean} mirrors ${FAST_RECORDS_KAFKAJS_VERSION}`,
    };
  }
  return undefined;
}

function install(): InstallResult {
  const refused = kafkajsReplacementRefused('decoder', 'lean record decoder');
  if (refused) return refused;
  const batchPath = require.resolve(RECORD_BATCH_DECODER);
  const fast = fastRecordBatchDecoder({
    lookupCodecByAttributes: (
      require('kafkajs/src/protocol/message/compression/index.js') as {
        lookupCodecByAttributes: (a: number) => Codec;
      }
    ).lookupCodecByAttributes,
    PartialMessageError: (
      require('kafkajs/src/errors.js') as { KafkaJSPartialMessageError: new (m: string) => Error }
    ).KafkaJSPartialMessageError,
    TimestampTypes: require('kafkajs/src/protocol/timestampTypes.js') as {
      LOG_APPEND_TIME: number;
      CREATE_TIME: number;
    },
  });
  require(batchPath);
  const cached = require.cache[batchPath];
  if (!cached)
    return { installed: false, reason: "kafkajs' record batch decoder is not in the module cache" };
  cached.exports = fast;
  lean = fast;
  return { installed: true };
}

let lean: RecordBatchDecoder | undefined;

/** Whether kafkajs' fetch decoding now gets the lean decoder from its module cache. */
export function leanRecordDecoderInUse(): boolean {
  return lean !== undefined && require(RECORD_BATCH_DECODER) === lean;
}
