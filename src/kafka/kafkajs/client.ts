import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { Kafka, KafkaConfig, SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import type { Config } from '../../config/schema.js';
import { type Clock, systemClock } from '../../time/clock.js';
import { KAFKA_RETRY } from '../kafka-retry.js';
import type { KafkaAdmin, KafkaClient } from '../port.js';
import { kafkajsGroupConsumer } from './group-consumer.js';
import { keyedPartitionCache } from './keyed-partitioner.js';
import { type LoadedKafkajs, loadKafkajs } from './load.js';
import { kafkajsLogLevel } from './log-level.js';
import { RepeatedErrors } from './log-repeats.js';
import { readRecords } from './record-reader.js';
import { TransactionalProducers } from './txn-producers.js';

export interface KafkaClientOptions {
  kafka: Config['kafka'];
  /** resolved `kafka.sasl.password` (loadConfig's secrets) */
  saslPassword?: string | undefined;
  logger?: Pick<Logger, 'error' | 'warn' | 'info' | 'debug'>;
  /** a suffix for clientId, so broker logs tell instances and stages apart */
  clientIdSuffix?: string;
  readFile?: (path: string) => string;
  /** time for retries and log pacing (default: the system clock) */
  clock?: Clock;
}

/** The port's client on kafkajs (load.ts: kafkajs with the adapter's parts in place). */
export function kafkajsClient(o: KafkaClientOptions): KafkaClient {
  const kafka = createKafkajs(o);
  const clock = o.clock ?? systemClock;
  return {
    admin: () => kafkajsAdmin(kafka),
    producer: (options) => kafka.producer({ ...options, createPartitioner: keyedPartitionCache }),
    groupConsumer: (options) => kafkajsGroupConsumer(kafka, options),
    transactionalProducers: (p) =>
      new TransactionalProducers(kafka, p.transactionalIdPrefix, p.transactionTimeoutMs, clock),
    readRecords: (read, wanted) => readRecords(kafka, read, wanted),
  };
}

/** kafkajs' admin client as the port's: every method but the topic configuration is kafkajs' own. */
function kafkajsAdmin(kafka: Kafka): KafkaAdmin {
  const admin = kafka.admin();
  return Object.assign(admin, {
    async topicConfig(topic: string, names: readonly string[]): Promise<Map<string, string>> {
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [
          { type: loadKafkajs().kafkajs.ConfigResourceTypes.TOPIC, name: topic, configNames: [...names] },
        ],
      });
      return new Map((resources[0]?.configEntries ?? []).map((e) => [e.configName, e.configValue]));
    },
  });
}

/**
 * A kafkajs client from the service config: brokers, TLS and SASL (PLAIN / SCRAM) included, its
 * log entries at the level they deserve (log-level.ts, log-repeats.ts), made from kafkajs with
 * the adapter's parts in place (load.ts), which the first client with a logger reports.
 */
export function createKafkajs(o: KafkaClientOptions): Kafka {
  const { kafkajs, parts } = loadKafkajs();
  const { Kafka, logLevel } = kafkajs;
  if (o.logger) reportParts(parts, o.logger);
  const k = o.kafka;
  const clock = o.clock ?? systemClock;
  const repeats = new RepeatedErrors({ now: () => clock.now() });
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
      // kafkajs logs the retriable errors it retries at ERROR too: log-level.ts
      const level = kafkajsLogLevel(entry);
      if (level !== 'error') return l[level]({ kafka: entry.namespace, ...rest }, message);
      // a request refused on every retry of a stalled partition: once a minute (log-repeats.ts)
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

let reported = false;

/** Says once per process which of the adapter's parts run (load.ts). */
function reportParts(parts: LoadedKafkajs['parts'], logger: Pick<Logger, 'warn' | 'info' | 'debug'>): void {
  if (reported) return;
  reported = true;
  const { decoder, batch, abortedFilter } = parts;
  if (decoder.installed)
    logger.debug('kafkajs records decoded by the lean decoder (kafkajs/record-decoder.ts)');
  else logger.info({ reason: decoder.reason }, "kafkajs records decoded by kafkajs' own decoder");
  if (batch.installed)
    logger.debug("kafkajs' consumer batches made by the lean batch (kafkajs/lean-batch.ts)");
  else logger.info({ reason: batch.reason }, "kafkajs' consumer batches made by kafkajs' own Batch");
  // the lean batch filters with the project's filter itself; kafkajs' Batch only once it is installed
  if (!batch.installed && !abortedFilter.installed)
    logger.warn(
      { reason: abortedFilter.reason },
      "kafkajs' own aborted-transaction filter is in use: after a kill, records of aborted transactions can be read as committed (kafkajs/aborted-transactions.ts)",
    );
}
