import type { DeadLetterSource } from '../kafka/dead-letter.js';

/**
 * Header a repartitioned record carries: where the producer wrote the event and with which
 * key, so that what the rules stage refuses (a late or duplicate sample) is dead-lettered
 * under the producer's topic, partition, offset and key, not the repartition topic's copy
 * (keyed by scope, one per lane). One header, `<topic>:<partition>:<offset>` followed by `:`
 * and the key's bytes when the record had a key: topic names cannot hold ':', and a header
 * read per record costs less than three.
 */
export const SOURCE_HEADER = 'tr-source';

const COLON = 0x3a;

/** The header's value for the record at `topic`[`partition`]@`offset` with `key`. */
export function encodeSource(topic: string, partition: number, offset: string, key: Buffer | null): Buffer {
  const position = `${topic}:${partition}:${offset}`;
  if (key === null) return Buffer.from(position);
  const out = Buffer.allocUnsafe(Buffer.byteLength(position) + 1 + key.length);
  const at = out.write(position);
  out[at] = COLON;
  key.copy(out, at + 1);
  return out;
}

/** The position and key the header names, or undefined when it is not one this stage wrote. */
export function decodeSource(header: Buffer | string): Omit<DeadLetterSource, 'value'> | undefined {
  const bytes = typeof header === 'string' ? Buffer.from(header) : header;
  const first = bytes.indexOf(COLON);
  const second = first < 0 ? -1 : bytes.indexOf(COLON, first + 1);
  if (first <= 0 || second < 0) return undefined;
  const third = bytes.indexOf(COLON, second + 1);
  const partition = bytes.toString('latin1', first + 1, second);
  const offset = bytes.toString('latin1', second + 1, third < 0 ? bytes.length : third);
  if (!/^\d+$/.test(partition) || !/^\d+$/.test(offset)) return undefined;
  return {
    topic: bytes.toString('utf8', 0, first),
    partition: Number(partition),
    offset,
    key: third < 0 ? null : Buffer.from(bytes.subarray(third + 1)),
  };
}
