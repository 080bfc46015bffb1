/**
 * How the project's Kafka clients retry their requests (the kafkajs adapter applies these; a
 * client's options name them as kafkajs does).
 */

/** The retry of every client's requests: patient enough to ride out a broker restart (~15 s). */
export const KAFKA_RETRY = { initialRetryTime: 100, maxRetryTime: 3_000, retries: 12 } as const;

/**
 * The retry count of an idempotent producer's sends: none (kafkajs' own default for one, and it
 * warns "Limiting retries for the idempotent producer may invalidate EoS guarantees" for less;
 * a producer's `retry` otherwise takes the client's count). kafkajs takes back a failed
 * request's sequence numbers, and the retry sends them again, which the broker recognises as a
 * repeat if the first attempt was written after all. A send given up leaves them taken back
 * while the broker may hold the request: the producer's next request to that partition reuses
 * them, and the broker drops it as a repeat (when it has as many records) or refuses it as out
 * of order. Sends still end: on an answer kafkajs does not retry, or when the cluster cannot be
 * reached within the client's retry (KAFKA_RETRY), which kafkajs reports as not retriable.
 */
export const IDEMPOTENT_RETRIES = Number.MAX_SAFE_INTEGER;

/** The retry of an idempotent producer that is not transactional (kafkajs/txn-producers.ts has its own). */
export const IDEMPOTENT_SEND_RETRY = { ...KAFKA_RETRY, retries: IDEMPOTENT_RETRIES } as const;
