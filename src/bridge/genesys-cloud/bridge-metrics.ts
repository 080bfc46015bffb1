import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * The bridge's Prometheus metrics, registered on the registry the admin server serves. Counts the
 * notification channels keep themselves (reconnects, malformed envelopes, unknown topics) are read
 * from their stats when scraped, through `observeChannels`.
 */
export function createBridgeMetrics(registry: Registry) {
  const registers = [registry];
  let channelStats: (() => ChannelCounts) | undefined;
  const seen: ChannelCounts = {
    reconnects: 0,
    malformed: 0,
    unknownTopics: 0,
    socketClosing: 0,
    expiries: 0,
  };
  const fromChannels = (name: keyof ChannelCounts) =>
    function (this: Counter) {
      const now = channelStats?.()[name] ?? seen[name];
      if (now > seen[name]) this.inc(now - seen[name]);
      seen[name] = Math.max(seen[name], now);
    };
  return {
    /** Where the channel counters come from; the bridge swaps in new channels after a pause. */
    observeChannels(read: () => ChannelCounts): void {
      channelStats = read;
    },
    samplesReceived: new Counter({
      name: 'trunk_reactor_bridge_samples_received_total',
      help: 'Trunk instance samples read, by source (notification, rest)',
      labelNames: ['source'],
      registers,
    }),
    samplesSkipped: new Counter({
      name: 'trunk_reactor_bridge_samples_skipped_total',
      help: 'Trunk instance samples not sent, by reason (unmapped, duplicate, stale, unknown-trunk)',
      labelNames: ['reason'],
      registers,
    }),
    malformed: new Counter({
      name: 'trunk_reactor_bridge_malformed_total',
      help: 'Notification or REST bodies that are no trunk metrics sample, by where (envelope, notification, rest)',
      labelNames: ['where'],
      registers,
      collect: function (this: Counter) {
        const now = channelStats?.().malformed ?? seen.malformed;
        if (now > seen.malformed) this.inc({ where: 'envelope' }, now - seen.malformed);
        seen.malformed = Math.max(seen.malformed, now);
      },
    }),
    unknownTopics: new Counter({
      name: 'trunk_reactor_bridge_unknown_topics_total',
      help: 'Notifications on a topic the bridge does not hold or cannot read',
      registers,
      collect: fromChannels('unknownTopics'),
    }),
    eventsProduced: new Counter({
      name: 'trunk_reactor_bridge_events_produced_total',
      help: 'Trunk utilization events Kafka has taken',
      registers,
    }),
    partialEvents: new Counter({
      name: 'trunk_reactor_bridge_partial_events_total',
      help: "Events sent before every instance of the trunk base reported their eventTime (the others' previous calls carried)",
      registers,
    }),
    gapFills: new Counter({
      name: 'trunk_reactor_bridge_gap_fills_total',
      help: 'REST reads of the latest trunk metrics, by trigger (start, reconnect, timer, discovery, resume, malformed)',
      labelNames: ['trigger'],
      registers,
    }),
    gapsFilled: new Counter({
      name: 'trunk_reactor_bridge_gaps_filled_total',
      help: 'Instance samples a REST read brought that no notification had (missed while a socket was down)',
      registers,
    }),
    reconnects: new Counter({
      name: 'trunk_reactor_bridge_reconnects_total',
      help: 'Notification sockets opened again after one was lost or told to close',
      registers,
      collect: fromChannels('reconnects'),
    }),
    socketClosing: new Counter({
      name: 'trunk_reactor_bridge_socket_closing_total',
      help: 'v2.system.socket_closing messages received',
      registers,
      collect: fromChannels('socketClosing'),
    }),
    channelExpiries: new Counter({
      name: 'trunk_reactor_bridge_channel_expiries_total',
      help: 'Notification channels found gone (expired or removed) and replaced',
      registers,
      collect: fromChannels('expiries'),
    }),
    channels: new Gauge({
      name: 'trunk_reactor_bridge_channels',
      help: 'Notification channels held, by whether their socket is open',
      labelNames: ['open'],
      registers,
    }),
    trunkBases: new Gauge({
      name: 'trunk_reactor_bridge_trunk_bases',
      help: 'Trunk bases discovered, by whether the config maps them',
      labelNames: ['mapped'],
      registers,
    }),
    trunkInstances: new Gauge({
      name: 'trunk_reactor_bridge_trunk_instances',
      help: 'Trunk instances (one per edge) whose metrics topics are held',
      registers,
    }),
    buffered: new Gauge({
      name: 'trunk_reactor_bridge_buffered_events',
      help: 'Events waiting for Kafka',
      registers,
    }),
    paused: new Gauge({
      name: 'trunk_reactor_bridge_paused',
      help: '1 while the bridge has stopped reading notifications because Kafka does not take events',
      registers,
    }),
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

export interface ChannelCounts {
  reconnects: number;
  malformed: number;
  unknownTopics: number;
  socketClosing: number;
  expiries: number;
}

export type BridgeMetrics = ReturnType<typeof createBridgeMetrics>;
