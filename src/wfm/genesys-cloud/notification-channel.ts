import { systemClock } from '../../time/clock.js';
import {
  describe,
  NotificationChannelsClosedError,
  NotificationChannelsLimitError,
  NotificationChannelsOptionError,
} from './notification-channel/errors.js';
import { Lane, type LaneState } from './notification-channel/lane.js';
import type { LaneHost } from './notification-channel/lane-host.js';
import { GENESYS_CHANNEL_LIMITS } from './notification-channel/limits.js';
import {
  type ChannelLogger,
  type NotificationChannelsOptions,
  type RejectedTopic,
  settingsFrom,
} from './notification-channel/options.js';
import type { NotificationChannelsStats } from './notification-channel/stats.js';

/**
 * Genesys Cloud notification channels held open for a set of topics.
 *
 * A channel (`POST /api/v2/notifications/channels`) takes at most 1,000 topics and one WebSocket,
 * its `connectUri`; an OAuth client holds at most 20. The topics are split over as few channels as
 * that allows, and each channel is driven by its own lane: create the channel, subscribe, open the
 * socket, then serve it until the socket is lost, the server says it will close it, or the channel
 * is due for renewal (it lives 24 hours).
 *
 * **Delivery is not durable.** Genesys drops what it publishes while a channel has no open socket,
 * and nothing here can fetch it back. `onConnected` with `reconnect: true` says that a socket was
 * lost or replaced and its topics may have missed events: a caller that needs every event fills
 * that gap from the REST API then. `reconnect` is false the first time a channel's socket opens and
 * after a renewal, which subscribes and connects the new channel before it drops the old one.
 * Around a renewal or a `socket_closing` handover the same event may arrive twice. A client that
 * already holds 20 channels renews by subscribing the same topics again instead (a subscription
 * change restarts a channel's 24 hours): a 21st channel would make the server evict one of its own.
 *
 * Reconnecting: a lost socket (any close code, a transport error, or no message at all, heartbeats
 * included, for `heartbeatTimeoutMs`) is reopened after a full-jitter backoff. The channel is first
 * checked with `HEAD`: a channel that is gone (404: expired, or removed) or whose socket will not
 * open three times running is replaced by a new one, subscribed again. Close code 4000 (the server
 * evicted the channel for a newer one) and 4001 (another socket took the channel over) are met
 * with a new channel at once: reconnecting to a channel someone else holds would take it back from
 * them, and they from us, for ever. `v2.system.socket_closing` is answered at once with a new
 * socket on the same `connectUri`, opened while the old one still delivers.
 *
 * Topics the server refuses (no permission, no such topic) are reported to `onRejected` and dropped
 * from the set, never retried in a loop: `addTopics` asks for them again.
 *
 * Every timer goes through the injected clock and is cancelled by `close()`; the ChannelHttp owns
 * authorization, so no credential ever passes through here or into a log line.
 *
 * The parts, in notification-channel/: the options and limits, the errors, a channel's socket and
 * its messages, and the lane (lane.ts) with its API calls, sockets, timers and wakes.
 */

export {
  NotificationChannelsAnswerError,
  NotificationChannelsClosedError,
  NotificationChannelsError,
  NotificationChannelsLimitError,
  NotificationChannelsOptionError,
  NotificationChannelsRequestError,
} from './notification-channel/errors.js';
export type { LaneState } from './notification-channel/lane.js';
export { GENESYS_CHANNEL_LIMITS } from './notification-channel/limits.js';
export {
  type ChannelConnectedInfo,
  type ChannelEvent,
  type ChannelHttp,
  type ChannelLogger,
  DEFAULT_NOTIFICATION_CHANNELS_OPTIONS,
  type NotificationChannelsOptions,
  type RejectedTopic,
} from './notification-channel/options.js';
export type { NotificationChannelsStats } from './notification-channel/stats.js';

/**
 * A new channel's `expires` more than this far from "now + 24 h" by our clock means the two
 * clocks disagree; the renewal is then timed from our own count of the lifetime. Milliseconds.
 */
const CLOCK_DISAGREEMENT_MS = 3_600_000;
/** Distinct unknown topics logged at debug; past that, only counted. */
const MAX_LOGGED_UNKNOWN_TOPICS = 100;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const silent: ChannelLogger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Holds a set of Genesys Cloud notification topics open over as few channels as the limits
 * allow, and hands their events to `onEvent`. See the module comment for what is promised and
 * what is not (delivery is not durable).
 */
export class NotificationChannels {
  readonly stats: NotificationChannelsStats = {
    channelsCreated: 0,
    reconnects: 0,
    heartbeatTimeouts: 0,
    socketClosing: 0,
    expiries: 0,
    messages: 0,
    rejectedTopics: 0,
    events: 0,
    renewals: 0,
    evictions: 0,
    takeovers: 0,
    unknownTopics: 0,
    malformed: 0,
  };
  readonly #o: NotificationChannelsOptions;
  readonly #host: LaneHost;
  readonly #log: ChannelLogger;
  #state: 'idle' | 'starting' | 'running' | 'closed' = 'idle';
  #lanes: Lane[] = [];
  readonly #rejected = new Map<string, RejectedTopic>();
  #closing: Promise<void> | undefined;
  readonly #loggedOnce = new Set<string>();

  constructor(o: NotificationChannelsOptions) {
    if (typeof o?.http?.json !== 'function')
      throw new NotificationChannelsOptionError(
        'http must be a ChannelHttp: an object with json(method, path, body)',
      );
    if (!Array.isArray(o.topics) || o.topics.some((t) => typeof t !== 'string' || t === ''))
      throw new NotificationChannelsOptionError(
        'topics must be an array of topic names like v2.telephony.providers.edges.trunks.{id}.metrics',
      );
    if (typeof o.onEvent !== 'function')
      throw new NotificationChannelsOptionError('onEvent must be a function');
    this.#o = o;
    this.#log = o.logger ?? silent;
    const clock = o.clock ?? systemClock;
    const settings = settingsFrom(o);
    this.#host = {
      http: o.http,
      clock,
      log: this.#log,
      settings,
      stats: this.stats,
      random: o.random ?? Math.random,
      renewalDelay: (expires) => this.#renewalDelay(clock.now(), expires, settings.renewBeforeExpiryMs),
      crowded: () => this.#lanes.length >= GENESYS_CHANNEL_LIMITS.channelsPerClient,
      connected: (info) => this.#callback('onConnected', () => o.onConnected?.(info)),
      rejected: (list) => this.#onRejected(list),
      deliver: (event) => {
        this.stats.events++;
        this.#callback('onEvent', () => o.onEvent(event));
      },
      malformed: (channelId) => {
        this.stats.malformed++;
        this.#once(
          'debug',
          'malformed',
          { channel: channelId },
          'notification message dropped: not JSON or no topicName',
        );
      },
      unknownTopic: (channelId, topicName) => {
        this.stats.unknownTopics++;
        if (this.#loggedOnce.size < MAX_LOGGED_UNKNOWN_TOPICS)
          this.#once(
            'debug',
            `topic:${topicName}`,
            { channel: channelId, topicName },
            'notification message dropped: a topic not held',
          );
      },
      emptied: (lane) => {
        this.#lanes = this.#lanes.filter((l) => l !== lane);
      },
    };
  }

  /** Every channel has an open socket. */
  get open(): boolean {
    return this.#state === 'running' && this.#lanes.every((l) => l.open);
  }

  /** Each channel's id (when it has one), state and number of topics held. */
  get channels(): Array<{ id: string | undefined; state: LaneState; topics: number }> {
    return this.#lanes.map((l) => ({ id: l.channelId, state: l.state, topics: l.topics.size }));
  }

  /**
   * Creates the channels, subscribes and connects them; resolves once every socket is open and
   * subscribed, with the topics held and those the server refused. Rejects at once with a
   * NotificationChannelsLimitError when the topics need more than 20 channels, and with the
   * server's refusal (401, 403, …) when one is final; anything else is tried again.
   */
  async start(): Promise<{ permitted: string[]; rejected: RejectedTopic[] }> {
    if (this.#state !== 'idle')
      throw new NotificationChannelsOptionError(
        `start() may be called once; the channels are ${this.#state}`,
      );
    const topics = [...new Set(this.#o.topics)];
    const parts = chunks(topics, GENESYS_CHANNEL_LIMITS.topicsPerChannel);
    if (parts.length > GENESYS_CHANNEL_LIMITS.channelsPerClient)
      throw new NotificationChannelsLimitError(topics.length, parts.length);
    this.#state = 'starting';
    this.#lanes = parts.map((p) => new Lane(this.#host, p));
    try {
      await Promise.all(this.#lanes.map((l) => l.ready));
    } catch (err) {
      await this.close();
      throw err;
    }
    if (this.#state !== 'starting') throw new NotificationChannelsClosedError();
    this.#state = 'running';
    return {
      permitted: topics.filter((t) => this.#holds(t)),
      rejected: topics.flatMap((t) => {
        const r = this.#rejected.get(t);
        return r ? [r] : [];
      }),
    };
  }

  /**
   * Holds more topics: lanes with room take them first, new channels the rest. Topics refused
   * before are asked for again. Resolves once the subscriptions are in place (new channels also
   * connected).
   */
  async addTopics(topics: string[]): Promise<void> {
    this.#assertStarted('addTopics');
    const fresh = [...new Set(topics)].filter((t) => !this.#holds(t));
    if (fresh.length === 0) return;
    const { topicsPerChannel, channelsPerClient } = GENESYS_CHANNEL_LIMITS;
    const room = this.#lanes.reduce((n, l) => n + (topicsPerChannel - l.topics.size), 0);
    const newLanes = Math.ceil(Math.max(0, fresh.length - room) / topicsPerChannel);
    if (this.#lanes.length + newLanes > channelsPerClient)
      throw new NotificationChannelsLimitError(this.#held() + fresh.length, this.#lanes.length + newLanes);
    for (const t of fresh) this.#rejected.delete(t);
    const waits: Promise<void>[] = [];
    let rest = fresh;
    for (const lane of this.#lanes) {
      const free = topicsPerChannel - lane.topics.size;
      if (free <= 0 || rest.length === 0) continue;
      waits.push(lane.change(rest.slice(0, free), []));
      rest = rest.slice(free);
    }
    for (const part of chunks(rest, topicsPerChannel)) {
      const lane = new Lane(this.#host, part);
      this.#lanes.push(lane);
      waits.push(
        lane.ready.catch(async (err: unknown) => {
          this.#lanes = this.#lanes.filter((l) => l !== lane);
          await lane.shutdown(false);
          throw err;
        }),
      );
    }
    await Promise.all(waits);
  }

  /** Stops holding topics; a channel left with none is dropped. Resolves once the subscriptions say so. */
  async removeTopics(topics: string[]): Promise<void> {
    this.#assertStarted('removeTopics');
    const gone = new Set(topics);
    for (const t of gone) this.#rejected.delete(t);
    const waits: Promise<void>[] = [];
    for (const lane of [...this.#lanes]) {
      const mine = [...gone].filter((t) => lane.topics.has(t));
      if (mine.length === 0) continue;
      if (mine.length === lane.topics.size) {
        this.#lanes = this.#lanes.filter((l) => l !== lane);
        for (const t of mine) lane.topics.delete(t);
        waits.push(lane.shutdown(true));
      } else waits.push(lane.change([], mine));
    }
    await Promise.all(waits);
  }

  /** Closes every socket and cancels every timer; pending start/addTopics/removeTopics reject. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#state = 'closed';
      const lanes = this.#lanes;
      this.#lanes = [];
      await Promise.all(lanes.map((l) => l.shutdown(false)));
    })();
    return this.#closing;
  }

  #assertStarted(what: string): void {
    if (this.#state === 'idle') throw new NotificationChannelsOptionError(`${what}: call start() first`);
    if (this.#state === 'closed') throw new NotificationChannelsClosedError();
  }

  #holds(topic: string): boolean {
    return this.#lanes.some((l) => l.topics.has(topic));
  }

  #held(): number {
    return this.#lanes.reduce((n, l) => n + l.topics.size, 0);
  }

  #onRejected(list: RejectedTopic[]): void {
    this.stats.rejectedTopics += list.length;
    for (const r of list) this.#rejected.set(r.id, r);
    this.#log.warn(
      {
        rejected: list.map((r) => ({
          topic: r.id,
          reason: r.rejectionReason,
          missingPermissions: r.missingPermissions,
        })),
      },
      `notification topics refused: ${list.length}; they are not held (addTopics asks again)`,
    );
    this.#callback('onRejected', () => this.#o.onRejected?.(list));
  }

  /**
   * When to renew a channel: `renewBeforeExpiryMs` before its `expires`, read on our clock. A
   * fresh channel has about 24 hours left; one that seems to have much more or less was stamped
   * by a clock that disagrees with ours (a skewed host, an emulator's virtual clock), and its
   * lifetime is then counted from now.
   */
  #renewalDelay(now: number, expires: string | undefined, before: number): number {
    const lifetime = GENESYS_CHANNEL_LIMITS.channelLifetimeMs;
    let left = expires === undefined ? lifetime : Date.parse(expires) - now;
    if (!(Math.abs(left - lifetime) <= CLOCK_DISAGREEMENT_MS)) {
      this.#once(
        'warn',
        'clock',
        { expires, now: new Date(now).toISOString() },
        "a notification channel's expiry disagrees with this clock: renewing by this clock's count of its 24 hours",
      );
      left = lifetime;
    }
    return Math.max(0, left - before);
  }

  #callback(name: string, call: () => void): void {
    try {
      call();
    } catch (err) {
      this.#log.error({ err: describe(err) }, `notification channels: ${name} threw; carrying on`);
    }
  }

  #once(level: 'debug' | 'warn', key: string, fields: Record<string, unknown>, message: string): void {
    if (this.#loggedOnce.has(key)) return;
    this.#loggedOnce.add(key);
    this.#log[level](fields, message);
  }
}
