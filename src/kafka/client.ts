import { type KafkaClientOptions, kafkajsClient } from './kafkajs/client.js';
import type { KafkaClient } from './port.js';

export type { KafkaClientOptions } from './kafkajs/client.js';

/**
 * The Kafka client from the service config (brokers, TLS, SASL): the one place that picks the
 * client behind the port (port.ts) — kafkajs, through its adapter (kafkajs/).
 */
export function createKafka(o: KafkaClientOptions): KafkaClient {
  return kafkajsClient(o);
}
