import { IDEMPOTENT_SEND_RETRY } from '../../kafka/kafka-retry.js';
import type { KafkaAdmin, KafkaClient, Producer } from '../../kafka/port.js';
import { ensureTopics } from '../../kafka/topics.js';
import type { EventSink, OutboundEvent } from './event-outbox.js';

/**
 * The Kafka calls of the bridge, through the client port: an idempotent producer (one request in
 * flight, so a batch's records keep their order; retried without a count, kafka/kafka-retry.ts)
 * writing with acks=all, and the events topic created with `partitions` when it does not exist.
 */
export class KafkaEventSink implements EventSink {
  readonly #producer: Producer;
  readonly #admin: KafkaAdmin;
  #connected = false;

  constructor(
    kafka: Pick<KafkaClient, 'producer' | 'admin'>,
    readonly topic: string,
    readonly topicLayout: { partitions: number; replicationFactor: number },
  ) {
    this.#producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: IDEMPOTENT_SEND_RETRY,
    });
    this.#admin = kafka.admin();
  }

  async open(): Promise<void> {
    await this.#admin.connect();
    try {
      await ensureTopics(
        this.#admin,
        [{ topic: this.topic, partitions: this.topicLayout.partitions }],
        this.topicLayout.replicationFactor,
      );
    } finally {
      await this.#admin.disconnect().catch(() => {});
    }
    await this.#producer.connect();
    this.#connected = true;
  }

  async send(batch: readonly OutboundEvent[]): Promise<void> {
    await this.#producer.send({
      topic: this.topic,
      acks: -1,
      messages: batch.map((e) => ({ key: e.key, value: e.value })),
    });
  }

  async close(): Promise<void> {
    if (this.#connected) await this.#producer.disconnect();
  }
}
