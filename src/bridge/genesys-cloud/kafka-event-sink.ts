import { type Admin, type ICustomPartitioner, type Kafka, Partitioners, type Producer } from 'kafkajs';
import { IDEMPOTENT_SEND_RETRY } from '../../kafka/kafka-retry.js';
import { ensureTopics } from '../../kafka/topics.js';
import type { EventSink, OutboundEvent } from './event-outbox.js';

/**
 * kafkajs' default partitioner (murmur2 of the key, as Java clients place keys), asked once per key
 * and partition count: it hashes every message otherwise, which at thousands of events a second
 * was the largest part of what the producer allocated. A topic given more partitions is asked again.
 */
const keyedPartitionCache: ICustomPartitioner = () => {
  const partition = Partitioners.DefaultPartitioner();
  const known = new Map<string, { partitions: number; partition: number }>();
  return (args) => {
    const key = args.message.key;
    if (typeof key !== 'string' || args.message.partition != null) return partition(args);
    const partitions = args.partitionMetadata.length;
    const hit = known.get(key);
    if (hit?.partitions === partitions) return hit.partition;
    const p = partition(args);
    known.set(key, { partitions, partition: p });
    return p;
  };
};

/**
 * The kafkajs calls of the bridge: an idempotent producer (one request in flight, so a batch's
 * records keep their order; retried without a count, kafka/client.ts) writing with acks=all, and
 * the events topic created with `partitions` when it does not exist.
 */
export class KafkaEventSink implements EventSink {
  readonly #producer: Producer;
  readonly #admin: Admin;
  #connected = false;

  constructor(
    kafka: Pick<Kafka, 'producer' | 'admin'>,
    readonly topic: string,
    readonly topicLayout: { partitions: number; replicationFactor: number },
  ) {
    this.#producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: IDEMPOTENT_SEND_RETRY,
      createPartitioner: keyedPartitionCache,
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
