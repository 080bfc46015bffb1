import type { Logger } from 'pino';
import type { LoadedConfig } from '../../config/load.js';
import { createKafka } from '../../kafka/client.js';
import type { Clock } from '../../time/clock.js';
import { GenesysHttp } from '../../wfm/genesys-cloud/http.js';
import { RateLimiter } from '../../writer/rate-limiter.js';
import { GenesysTrunkBridge, type GenesysTrunkBridgeOptions } from './bridge.js';
import type { BridgeMetrics } from './bridge-metrics.js';
import type { EventSink } from './event-outbox.js';
import { KafkaEventSink } from './kafka-event-sink.js';
import { TrunkMapping } from './trunk-mapping.js';

/** The bridge `bridge.genesysCloud` describes, and what must be closed after it stops. */
export interface ConfiguredBridge {
  bridge: GenesysTrunkBridge;
  http: GenesysHttp;
  topic: string;
  apiBaseUrl: string;
}

export interface BridgeFromConfigOptions {
  clock: Clock;
  logger: Logger;
  metrics?: BridgeMetrics;
  /** instead of the config's Kafka (tests, benchmarks) */
  sink?: EventSink;
  channels?: GenesysTrunkBridgeOptions['channels'];
  /** in [0, 1): spreads reconnect and retry pauses; default Math.random */
  random?: () => number;
}

/** Needs `loadConfig(…, { bridge: true })`: the section present and its client secret resolved. */
export function bridgeFromConfig(
  loaded: Pick<LoadedConfig, 'config' | 'secrets'>,
  o: BridgeFromConfigOptions,
): ConfiguredBridge {
  const { config, secrets } = loaded;
  const g = config.bridge.genesysCloud;
  if (!g || secrets.bridgeClientSecret === undefined)
    throw new RangeError(
      'bridgeFromConfig needs the bridge.genesysCloud section with its client secret resolved',
    );
  const apiBaseUrl = g.apiBaseUrl ?? `https://api.${g.region}`;
  const metrics = o.metrics;
  const http = new GenesysHttp({
    apiBaseUrl,
    loginBaseUrl: g.loginBaseUrl ?? `https://login.${g.region}`,
    clientId: g.clientId,
    clientSecret: secrets.bridgeClientSecret,
    clock: o.clock,
    // a burst of a tenth of the minute's budget: the reads after a reconnect of every channel are spread
    gate: new RateLimiter(
      { perMinute: g.requestsPerMinute, burst: Math.max(1, Math.floor(g.requestsPerMinute / 10)) },
      o.clock,
    ),
    logger: o.logger,
    ...(metrics
      ? {
          onRequest: (e) =>
            metrics.genesysRequests.inc({
              route: `${e.host} ${e.method} ${e.route}`,
              status: String(e.status ?? 0),
            }),
        }
      : {}),
  });
  const topic = g.topic ?? config.kafka.topics.events;
  const sink =
    o.sink ??
    new KafkaEventSink(
      createKafka({
        kafka: config.kafka,
        saslPassword: secrets.saslPassword,
        logger: o.logger,
        clientIdSuffix: 'bridge',
      }),
      topic,
      { partitions: config.kafka.partitions, replicationFactor: config.kafka.replicationFactor },
    );
  const bridge = new GenesysTrunkBridge({
    http,
    mapping: new TrunkMapping(g),
    sink,
    bufferMaxEvents: g.bufferMaxEvents,
    instanceWaitMs: g.instanceWaitMs,
    rediscoverIntervalMs: g.rediscoverIntervalMs,
    gapFillIntervalMs: g.gapFillIntervalMs,
    gapFillBatchSize: g.gapFillBatchSize,
    clock: o.clock,
    logger: o.logger,
    ...(metrics ? { metrics } : {}),
    ...(o.channels ? { channels: o.channels } : {}),
    ...(o.random ? { random: o.random } : {}),
  });
  return { bridge, http, topic, apiBaseUrl };
}
