import type { Kafka, Message, Producer } from 'kafkajs';

/**
 * How the rules stage hands intents to the planning stage: produced at once, outside the
 * rules stage's transaction, so an intent does not wait for that transaction (one fewer
 * transaction on every adjustment's path), and made exactly-once downstream instead:
 *
 * - per source partition (the rules stage's input partition) the intents are sent one after
 *   the other, each once the one before it was acknowledged, so they reach the intents topic
 *   in the order the rules stage made them, without gaps; after a failed send nothing more is
 *   sent for that partition by this owner;
 * - a slice of the rules stage commits (offsets and state record) only once every intent of
 *   the slice was acknowledged (`flushed`); a failure fails the slice, which is rewound and
 *   processed again from the committed offset and state — making the same intents again;
 * - every intent carries its source (topic, partition, offset of the message whose processing
 *   made it, index among that message's intents), and the planning stage keeps the highest
 *   source position it planned per source in its own transactional state: a repeat (a replay
 *   after a failure or a crash, or a zombie owner) is at or below it and is dropped.
 *
 * Why no gap and no repeat get through: each owner's intents for a source are in order and
 * contiguous from the offset it restored, and a later owner restores from an offset at or
 * after an earlier owner's (docs/pipeline.md, "Intents outside the transaction").
 */
export interface IntentSink {
  send(sourcePartition: number, message: Message): void;
  /** every intent sent for the partition so far acknowledged; rejects if one failed */
  flushed(sourcePartition: number): Promise<void>;
  /** a new owner of the partition (reprocessing from the committed offset) sends afresh */
  reset(sourcePartition: number): void;
  /** intents acknowledged by the broker */
  readonly acknowledged: number;
}

export class KafkaIntentSink implements IntentSink {
  readonly #producer: Producer;
  readonly #topic: string;
  readonly #chains = new Map<number, Promise<void>>();
  #connected: Promise<void> | undefined;
  #acknowledged = 0;

  constructor(kafka: Kafka, topic: string) {
    this.#topic = topic;
    // idempotent: a retried request is not written twice; one request in flight keeps order
    this.#producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
  }

  get acknowledged(): number {
    return this.#acknowledged;
  }

  connect(): Promise<void> {
    this.#connected ??= this.#producer.connect();
    return this.#connected;
  }

  send(sourcePartition: number, message: Message): void {
    const before = this.#chains.get(sourcePartition) ?? Promise.resolve();
    // chained on success only: after a failure the chain stays rejected (no gap downstream)
    const next = before.then(async () => {
      await this.connect();
      await this.#producer.send({ topic: this.#topic, acks: -1, messages: [message] });
      this.#acknowledged++;
    });
    next.catch(() => {}); // observed through flushed(); an unobserved rejection would end the process
    this.#chains.set(sourcePartition, next);
  }

  flushed(sourcePartition: number): Promise<void> {
    return this.#chains.get(sourcePartition) ?? Promise.resolve();
  }

  reset(sourcePartition: number): void {
    this.#chains.delete(sourcePartition);
  }

  async disconnect(): Promise<void> {
    await Promise.all([...this.#chains.values()].map((c) => c.catch(() => {})));
    if (this.#connected) await this.#producer.disconnect().catch(() => {});
  }
}
