/**
 * A compression codec as kafkajs takes one (`CompressionCodecs[type] = () => codec`): `compress`
 * gets kafkajs' encoder over a batch's records, `decompress` a batch's compressed records.
 */
export interface KafkaCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}
