/**
 * A compression codec as kafkajs takes one (`CompressionCodecs[type] = () => codec`): `compress`
 * gets kafkajs' encoder over a batch's records, `decompress` a batch's compressed records.
 */
export interface KafkaCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

/** The codec ids of a record batch's attributes (its lowest three bits), by name. */
export const CODEC_NAMES: Readonly<Record<number, string>> = {
  0: 'none',
  1: 'gzip',
  2: 'snappy',
  3: 'lz4',
  4: 'zstd',
};

/** A batch's codec by name (`none` when uncompressed), or its id when Kafka defines no codec with it. */
export function codecName(attributes: number): string {
  const id = attributes & 0x07;
  return CODEC_NAMES[id] ?? `unknown (codec id ${id})`;
}
