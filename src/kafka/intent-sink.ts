import type { Kafka, Message, Producer } from 'kafkajs';
import { IDEMPOTENT_SEND_RETRY } from './client.js';

/**
 * How the rules stage hands intents to the planning stage: produced at once, outside the
 * rules stage's transaction, so an intent does not wait for that transaction (one fewer
 * transaction on every adjustment's path), and made exactly-once downstream instead:
 *
 * - per source partition (the rules stage's input partition) the intents are sent one request
 *   after the other, each once the one before it was acknowledged, so they reach the intents
 *   topic in the order the rules stage made them, without gaps; the intents made while a
 *   request is in flight go together in the next one (a surge of intents costs a few round
 *   trips, not one per intent); after a failed request nothing more is sent for that
 *   partition by this owner;
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
  /**
   * The sending side for one owner of a source partition, from its committed offset on (a new
   * owner, or the same one after a failed slice, opens a fresh one; an older one keeps its own
   * order, and after a failure stays failed).
   */
  open(): IntentLane;
  /** intents acknowledged by the broker */
  readonly acknowledged: number;
}

export interface IntentLane {
  send(message: Message): void;
  /** every intent sent on this lane so far acknowledged; rejects if one failed */
  flushed(): Promise<void>;
}

export class KafkaIntentSink implements IntentSink {
  readonly #producer: Producer;
  readonly #topic: string;
  /** sends not settled yet, for disconnect */
  readonly #pending = new Set<Promise<void>>();
  readonly #maxRequestBytes: number;
  #connected: Promise<void> | undefined;
  #acknowledged = 0;

  /**
   * `maxRequestBytes` bounds one request's keys and values (the broker refuses a record batch
   * over its `message.max.bytes`, 1 MiB by default); an intent is a few hundred bytes.
   */
  constructor(kafka: Pick<Kafka, 'producer'>, topic: string, maxRequestBytes = 256 * 1024) {
    this.#topic = topic;
    this.#maxRequestBytes = maxRequestBytes;
    // idempotent: a retried request is not written twice; one request in flight keeps order;
    // retried without a count, or a request given up could make the next one a "repeat"
    // (IDEMPOTENT_RETRIES, client.ts)
    this.#producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: IDEMPOTENT_SEND_RETRY,
    });
  }

  get acknowledged(): number {
    return this.#acknowledged;
  }

  connect(): Promise<void> {
    this.#connected ??= this.#producer.connect();
    return this.#connected;
  }

  open(): IntentLane {
    /** intents made while the lane's previous request was in flight: the next request's */
    const queued: Message[] = [];
    let requestQueued = false;
    let chain: Promise<void> = Promise.resolve();
    const request = () => {
      requestQueued = true;
      // chained on success only: after a failure the lane stays rejected (no gap downstream)
      chain = chain.then(async () => {
        requestQueued = false;
        const messages = queued.splice(0, requestLength(queued, this.#maxRequestBytes));
        // whatever did not fit goes in the next request, after this one's acknowledgement
        if (queued.length > 0) request();
        await this.connect();
        await this.#producer.send({ topic: this.#topic, acks: -1, messages });
        this.#acknowledged += messages.length;
      });
      const sent = chain;
      this.#pending.add(sent);
      // observed through flushed(); an unobserved rejection would end the process
      void sent.finally(() => this.#pending.delete(sent)).catch(() => {});
    };
    return {
      send: (message) => {
        queued.push(message);
        if (!requestQueued) request();
      },
      flushed: () => chain,
    };
  }

  async disconnect(): Promise<void> {
    await Promise.all([...this.#pending].map((c) => c.catch(() => {})));
    if (this.#connected) await this.#producer.disconnect().catch(() => {});
  }
}

/** How many of `queued`, from the first, fit in `maxBytes` of keys and values (at least one). */
function requestLength(queued: readonly Message[], maxBytes: number): number {
  let bytes = 0;
  let n = 0;
  for (const m of queued) {
    bytes += byteLength(m.key) + byteLength(m.value);
    if (n > 0 && bytes > maxBytes) break;
    n++;
  }
  return n;
}

function byteLength(v: Message['key'] | Message['value']): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'string' ? Buffer.byteLength(v) : v.length;
}
