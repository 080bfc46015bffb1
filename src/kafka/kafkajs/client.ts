import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import type { Config } from '../../config/schema.js';
import { Kafka, logLevel } from '../kafkajs.js';
import { kafkajsLogLevel } from './log-level.js';
import { RepeatedErrors } from './log-repeats.js';
import { installFastRecordDecoder } from './record-decoder.js';

export interface KafkaClientOptions {
  kafka: Config['kafka'];
  /** resolved `kafka.sasl.password` (loadConfig's secrets) */
  saslPassword?: string | undefined;
  logger?: Pick<Logger, 'error' | 'warn' | 'info' | 'debug'>;
  /** a suffix for clientId, so broker logs tell instances and stages apart */
  clientIdSuffix?: string;
  readFile?: (path: string) => string;
}

/** kafkajs's retry for every client: patient enough to ride out a broker restart (~15 s). */
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

/** The retry of an idempotent producer that is not transactional (txn-producers.ts has its own). */
export const IDEMPOTENT_SEND_RETRY = { ...KAFKA_RETRY, retries: IDEMPOTENT_RETRIES } as const;

/** A kafkajs client from the service config: brokers, TLS and SASL (PLAIN / SCRAM) included. */
export function createKafka(o: KafkaClientOptions): Kafka {
  // before any consumer of this process fetches (fast-records.ts; Pipeline.start says which)
  installFastRecordDecoder();
  const k = o.kafka;
  const repeats = new RepeatedErrors({ now: Date.now });
  const config: KafkaConfig = {
    clientId: o.clientIdSuffix ? `${k.clientId}-${o.clientIdSuffix}` : k.clientId,
    brokers: k.brokers,
    connectionTimeout: k.connectionTimeoutMs,
    retry: { ...KAFKA_RETRY },
    logLevel: logLevel.WARN,
    logCreator: () => (entry) => {
      const l = o.logger;
      if (!l) return;
      const { message, ...rest } = entry.log;
      // kafkajs logs the retriable errors it retries at ERROR too: kafkajs-log-level.ts
      const level = kafkajsLogLevel(entry);
      if (level !== 'error') return l[level]({ kafka: entry.namespace, ...rest }, message);
      // a request refused on every retry of a stalled partition: once a minute (kafkajs-log-repeats.ts)
      const seen = repeats.error(`${entry.namespace}\n${message}\n${String(rest.error ?? '')}`);
      if (seen.repeat) l.debug({ kafka: entry.namespace, ...rest, repeat: true }, message);
      else
        l.error(
          {
            kafka: entry.namespace,
            ...rest,
            ...(seen.heldBack > 0 ? { repeatsAtDebug: seen.heldBack } : {}),
          },
          message,
        );
    },
  };
  const ssl = tlsOptions(k.ssl, o.readFile ?? ((p) => readFileSync(p, 'utf8')));
  if (ssl !== undefined) config.ssl = ssl;
  if (k.sasl) config.sasl = saslOptions(k.sasl, o.saslPassword);
  return new Kafka(config);
}

export function tlsOptions(
  ssl: Config['kafka']['ssl'],
  readFile: (path: string) => string,
): boolean | ConnectionOptions | undefined {
  if (ssl === false) return undefined;
  if (ssl === true) return true;
  const out: ConnectionOptions = { rejectUnauthorized: ssl.rejectUnauthorized };
  if (ssl.caFile) out.ca = [readFile(ssl.caFile)];
  if (ssl.certFile) out.cert = readFile(ssl.certFile);
  if (ssl.keyFile) out.key = readFile(ssl.keyFile);
  return out;
}

export function saslOptions(
  sasl: NonNullable<Config['kafka']['sasl']>,
  password: string | undefined,
): SASLOptions {
  if (password === undefined) {
    throw new TypeError(
      'kafka.sasl is set but its password was not resolved: pass loadConfig().secrets.saslPassword',
    );
  }
  return { mechanism: sasl.mechanism, username: sasl.username, password } as SASLOptions;
}
