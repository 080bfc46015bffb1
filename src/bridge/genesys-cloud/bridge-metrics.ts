import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { BridgeProgress, BridgeStats } from './bridge-stats.js';

/**
 * The bridge's Prometheus metrics, registered on the registry the admin server serves. The counts
 * are the bridge's own plain counters (and its channels'), read when /metrics is scraped: a
 * sample costs the bridge an increment, not a label lookup, thousands of times a second. Only the
 * age histogram and the request counter are written as things happen.
 */
export interface BridgeMetricsSource {
  readonly stats: BridgeStats;
  channelCounts(): ChannelCounts;
  progress(): BridgeProgress;
}

export interface ChannelCounts {
  reconnects: number;
  malformed: number;
  unknownTopics: number;
  socketClosing: number;
  expiries: number;
}

type Read = (s: BridgeMetricsSource) => Array<[Record<string, string>, number]>;

export function createBridgeMetrics(registry: Registry) {
  const registers = [registry];
  let source: BridgeMetricsSource | undefined;
  /** A counter whose values are read from the bridge at each scrape. */
  const counter = (name: string, help: string, labelNames: string[], read: Read) =>
    new Counter({
      name,
      help,
      labelNames,
      registers,
      collect(this: Counter) {
        if (!source) return;
        this.reset();
        for (const [labels, v] of read(source)) this.inc(labels, v);
      },
    });
  const gauge = (name: string, help: string, labelNames: string[], read: Read) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers,
      collect(this: Gauge) {
        if (!source) return;
        for (const [labels, v] of read(source)) this.set(labels, v);
      },
    });
  counter(
    'trunk_reactor_bridge_samples_received_total',
    'Trunk instance samples read, by source (notification, rest)',
    ['source'],
    (s) => [
      [{ source: 'notification' }, s.stats.samplesReceived.notification],
      [{ source: 'rest' }, s.stats.samplesReceived.rest],
    ],
  );
  counter(
    'trunk_reactor_bridge_samples_skipped_total',
    'Trunk instance samples not sent, by reason (unmapped, duplicate, stale, unknown-trunk)',
    ['reason'],
    (s) => [
      [{ reason: 'unmapped' }, s.stats.skipped.unmapped],
      [{ reason: 'duplicate' }, s.stats.skipped.duplicate],
      [{ reason: 'stale' }, s.stats.skipped.stale],
      [{ reason: 'unknown-trunk' }, s.stats.skipped.unknownTrunk],
    ],
  );
  counter(
    'trunk_reactor_bridge_malformed_total',
    'Messages that are no trunk metrics sample, by where (envelope: not JSON or no topic; notification: its body; rest: a REST entry)',
    ['where'],
    (s) => [
      [{ where: 'envelope' }, s.channelCounts().malformed],
      [{ where: 'notification' }, s.stats.malformed.notification],
      [{ where: 'rest' }, s.stats.malformed.rest],
    ],
  );
  counter(
    'trunk_reactor_bridge_unknown_topics_total',
    'Notifications on a topic the bridge does not hold (dropped)',
    [],
    (s) => [[{}, s.channelCounts().unknownTopics]],
  );
  counter(
    'trunk_reactor_bridge_events_produced_total',
    'Trunk utilization events Kafka has taken',
    [],
    (s) => [[{}, s.stats.eventsProduced]],
  );
  counter(
    'trunk_reactor_bridge_partial_events_total',
    "Events sent before every instance of the trunk base reported their eventTime (the others' previous calls carried)",
    [],
    (s) => [[{}, s.stats.partialEvents]],
  );
  counter(
    'trunk_reactor_bridge_gap_fills_total',
    'REST reads of the latest trunk metrics, by trigger (start, reconnect, timer, discovery, resume, malformed)',
    ['trigger'],
    (s) => Object.entries(s.stats.gapFills).map(([trigger, n]) => [{ trigger }, n]),
  );
  counter(
    'trunk_reactor_bridge_gaps_filled_total',
    'Instance samples a REST read brought before any notification did (missed while a socket was down, or not yet heard)',
    [],
    (s) => [[{}, s.stats.gapsFilled]],
  );
  counter(
    'trunk_reactor_bridge_reconnects_total',
    'Notification sockets opened again after one was lost or told to close',
    [],
    (s) => [[{}, s.channelCounts().reconnects]],
  );
  counter(
    'trunk_reactor_bridge_socket_closing_total',
    'v2.system.socket_closing messages received',
    [],
    (s) => [[{}, s.channelCounts().socketClosing]],
  );
  counter(
    'trunk_reactor_bridge_channel_expiries_total',
    'Notification channels found gone (expired or removed) and replaced',
    [],
    (s) => [[{}, s.channelCounts().expiries]],
  );
  counter(
    'trunk_reactor_bridge_pauses_total',
    'Times the bridge stopped reading notifications because Kafka did not take events',
    [],
    (s) => [[{}, s.stats.pauses]],
  );
  gauge(
    'trunk_reactor_bridge_channels',
    'Notification channels held, by whether their socket is open',
    ['open'],
    (s) => {
      const p = s.progress();
      return [
        [{ open: 'true' }, p.channelsOpen],
        [{ open: 'false' }, p.channels - p.channelsOpen],
      ];
    },
  );
  gauge(
    'trunk_reactor_bridge_trunk_bases',
    'Trunk bases discovered, by whether the config maps them',
    ['mapped'],
    (s) => {
      const p = s.progress();
      return [
        [{ mapped: 'true' }, p.mappedBases],
        [{ mapped: 'false' }, p.bases - p.mappedBases],
      ];
    },
  );
  gauge(
    'trunk_reactor_bridge_trunk_instances',
    'Trunk instances (one per edge) whose metrics topics are held',
    [],
    (s) => [[{}, s.progress().instances]],
  );
  gauge('trunk_reactor_bridge_buffered_events', 'Events waiting for Kafka', [], (s) => [
    [{}, s.progress().buffered],
  ]);
  gauge(
    'trunk_reactor_bridge_paused',
    '1 while the bridge has stopped reading notifications because Kafka does not take events',
    [],
    (s) => [[{}, s.progress().state === 'paused' ? 1 : 0]],
  );
  return {
    /** The bridge the counts are read from. */
    observe(bridge: BridgeMetricsSource): void {
      source = bridge;
    },
    eventAge: new Histogram({
      name: 'trunk_reactor_bridge_event_age_at_produce_seconds',
      help: "From an event's eventTime to Kafka taking it",
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers,
    }),
    genesysRequests: new Counter({
      name: 'trunk_reactor_bridge_genesys_requests_total',
      help: 'Genesys Cloud HTTP requests, by route and status (0 = no answer)',
      labelNames: ['route', 'status'],
      registers,
    }),
  };
}

export type BridgeMetrics = ReturnType<typeof createBridgeMetrics>;
