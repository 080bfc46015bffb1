import type { Logger } from 'pino';
import type { Clock } from '../../time/clock.js';
import type { GenesysHttp } from '../../wfm/genesys-cloud/http.js';
import {
  type ChannelConnectedInfo,
  type ChannelEvent,
  type LaneState,
  NotificationChannels,
  type NotificationChannelsOptions,
  type RejectedTopic,
} from '../../wfm/genesys-cloud/notification-channel.js';
import type { ChannelCounts } from './bridge-metrics.js';
import { metricsTopic } from './trunk-wire.js';

/**
 * The notification channels holding the trunk instances' metrics topics, as the bridge uses
 * them: opened for a set of instances, followed as instances come and go, closed when the bridge
 * stops reading (a pause) and opened anew after. The channels' own counters are summed over every
 * set held, so the totals never go back.
 */
export interface TrunkChannelsOptions {
  http: Pick<GenesysHttp, 'api'>;
  clock: Clock;
  random?: () => number;
  logger: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  timing?: Pick<
    NotificationChannelsOptions,
    'heartbeatTimeoutMs' | 'reconnectBaseMs' | 'reconnectCapMs' | 'renewBeforeExpiryMs'
  >;
  onEvent: (e: ChannelEvent) => void;
  onConnected: (info: ChannelConnectedInfo) => void;
  onRejected: (rejected: RejectedTopic[]) => void;
}

export class TrunkChannels {
  #live: NotificationChannels | undefined;
  readonly #retired: ChannelCounts = {
    reconnects: 0,
    malformed: 0,
    unknownTopics: 0,
    socketClosing: 0,
    expiries: 0,
  };

  constructor(private readonly o: TrunkChannelsOptions) {}

  /** Channels are held (open or reconnecting), not closed by a pause or a stop. */
  get held(): boolean {
    return this.#live !== undefined;
  }

  /** Every channel held has an open socket. */
  get allOpen(): boolean {
    return this.#live?.open ?? false;
  }

  get lanes(): Array<{ state: LaneState; topics: number }> {
    return this.#live?.channels ?? [];
  }

  counts(): ChannelCounts {
    const s = this.#live?.stats;
    const r = this.#retired;
    return {
      reconnects: r.reconnects + (s?.reconnects ?? 0),
      malformed: r.malformed + (s?.malformed ?? 0),
      unknownTopics: r.unknownTopics + (s?.unknownTopics ?? 0),
      socketClosing: r.socketClosing + (s?.socketClosing ?? 0),
      expiries: r.expiries + (s?.expiries ?? 0),
    };
  }

  /**
   * Holds the instances' topics on new channels; resolves once each socket is open and subscribed.
   * Rejects when the server refuses for good (credentials, permissions) or more than 20 channels
   * would be needed; a transient failure is tried again first.
   */
  async open(instances: readonly string[]): Promise<void> {
    const http = this.o.http;
    const channels = new NotificationChannels({
      http: {
        json: (method, path, body) => http.api({ method, path, ...(body !== undefined ? { body } : {}) }),
      },
      topics: instances.map(metricsTopic),
      onEvent: this.o.onEvent,
      onConnected: this.o.onConnected,
      onRejected: this.o.onRejected,
      logger: this.o.logger,
      clock: this.o.clock,
      ...(this.o.random ? { random: this.o.random } : {}),
      ...this.o.timing,
    });
    this.#live = channels;
    const { permitted, rejected } = await channels.start();
    this.o.logger.info(
      { topics: permitted.length, rejected: rejected.length, channels: channels.channels.length },
      'notification channels open',
    );
  }

  /** Subscribes the instances that came and drops those that went; nothing while closed. */
  async follow(added: readonly string[], removed: readonly string[]): Promise<void> {
    const ch = this.#live;
    if (!ch) return;
    if (removed.length > 0) await ch.removeTopics(removed.map(metricsTopic));
    if (added.length > 0) await ch.addTopics(added.map(metricsTopic));
  }

  /** Closes every socket (a pending open rejects); the channels' counts are kept. */
  async close(): Promise<void> {
    const ch = this.#live;
    if (!ch) return;
    this.#live = undefined;
    await ch.close();
    const r = this.#retired;
    r.reconnects += ch.stats.reconnects;
    r.malformed += ch.stats.malformed;
    r.unknownTopics += ch.stats.unknownTopics;
    r.socketClosing += ch.stats.socketClosing;
    r.expiries += ch.stats.expiries;
  }
}
