import type { Logger } from 'pino';
import { WebSocket } from 'undici';
import { z } from 'zod';
import { type Clock, systemClock } from '../../time/clock.js';

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
 */

/** An authorized JSON call to the API host. ChannelHttp owns the token: this module never sees it. */
export interface ChannelHttp {
  /**
   * An authorized JSON call to the API host (path starts with /api/v2/...). Resolves the parsed
   * JSON body (undefined for an empty body); throws an Error with a numeric `status` property on a
   * non-2xx answer.
   */
  json(method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD', path: string, body?: unknown): Promise<unknown>;
}

export interface ChannelEvent {
  topicName: string;
  eventBody: unknown;
  metadata?: unknown;
}

/** A topic the server would not subscribe, as its answer lists it. */
export interface RejectedTopic {
  id: string;
  rejectionReason?: string;
  missingPermissions?: string[];
}

export interface ChannelConnectedInfo {
  channelId: string;
  /** true: a socket was lost or replaced, so events of these topics may have been missed */
  reconnect: boolean;
  topics: string[];
}

export type ChannelLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

export interface NotificationChannelsOptions {
  http: ChannelHttp;
  /** topics to hold; split into channels of at most 1,000 topics, at most 20 channels */
  topics: string[];
  onEvent: (event: ChannelEvent) => void;
  /** each time a socket (re)opens with its subscriptions in place; `reconnect` false the first time */
  onConnected?: (info: ChannelConnectedInfo) => void;
  /** topics the server refused, once per subscription call that refused them */
  onRejected?: (rejected: RejectedTopic[]) => void;
  logger?: ChannelLogger;
  /** default systemClock */
  clock?: Clock;
  /** in [0, 1); default Math.random. Spreads the reconnect pauses. */
  random?: () => number;
  /** no message of any kind for this long → reconnect, milliseconds (the server beats every 30 s) */
  heartbeatTimeoutMs?: number;
  /** first reconnect pause's ceiling, milliseconds; doubles per failed attempt, full jitter */
  reconnectBaseMs?: number;
  /** largest reconnect pause, milliseconds */
  reconnectCapMs?: number;
  /** renew a channel this long before it expires: new channel, subscribe, connect, drop the old; milliseconds */
  renewBeforeExpiryMs?: number;
}

/** Genesys' own numbers (shared/reference/genesys-cloud-trunk-metrics.md §1). */
export const GENESYS_CHANNEL_LIMITS = {
  topicsPerChannel: 1_000,
  channelsPerClient: 20,
  /** from creation or the last subscription change, milliseconds */
  channelLifetimeMs: 24 * 3_600_000,
} as const;

export const DEFAULT_NOTIFICATION_CHANNELS_OPTIONS = {
  /** two heartbeats and a half, milliseconds */
  heartbeatTimeoutMs: 75_000,
  reconnectBaseMs: 500,
  reconnectCapMs: 30_000,
  renewBeforeExpiryMs: 3_600_000,
} as const;

/** A socket whose server never answers our close frame is given up on after this long, milliseconds. */
const CLOSE_WAIT_MS = 2_000;
/**
 * A new channel's `expires` more than this far from "now + 24 h" by our clock means the two
 * clocks disagree; the renewal is then timed from our own count of the lifetime. Milliseconds.
 */
const CLOCK_DISAGREEMENT_MS = 3_600_000;
/** A socket that will not open this many times running on a channel that HEAD says exists: new channel. */
const MAX_FAILED_OPENS = 3;
/** Distinct unknown topics logged at debug; past that, only counted. */
const MAX_LOGGED_UNKNOWN_TOPICS = 100;

const CHANNELS_PATH = '/api/v2/notifications/channels';
const HEARTBEAT_TOPIC = 'channel.metadata';
const SOCKET_CLOSING_TOPIC = 'v2.system.socket_closing';
/** The server took the channel away for a newer one / another socket took it over. */
const CLOSE_EVICTED = 4000;
const CLOSE_TAKEN_OVER = 4001;

export interface NotificationChannelsStats {
  channelsCreated: number;
  /** sockets opened again on a lane after one was lost or told to close */
  reconnects: number;
  heartbeatTimeouts: number;
  /** `v2.system.socket_closing` messages received */
  socketClosing: number;
  /** channels found gone (HEAD or a subscription call answered 404) */
  expiries: number;
  /** every message read from a socket, heartbeats included */
  messages: number;
  rejectedTopics: number;
  /** messages handed to onEvent */
  events: number;
  renewals: number;
  /** sockets closed with 4000: the channel was evicted */
  evictions: number;
  /** sockets closed with 4001: another socket took the channel over */
  takeovers: number;
  /** messages on a topic no lane holds (dropped) */
  unknownTopics: number;
  /** messages that are not JSON or carry no topicName (dropped) */
  malformed: number;
}

/** Notification-channel failures, one class per kind, with a stable `code` and a `retriable` flag. */
export class NotificationChannelsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'NotificationChannelsError';
  }
}

/** An option is wrong; thrown by the constructor, one rule per message. */
export class NotificationChannelsOptionError extends NotificationChannelsError {
  constructor(message: string) {
    super('TR_ERR_CHANNELS_OPTION', message, false);
    this.name = 'NotificationChannelsOptionError';
  }
}

/** More topics than 20 channels of 1,000 can hold. */
export class NotificationChannelsLimitError extends NotificationChannelsError {
  constructor(
    readonly topics: number,
    readonly channelsNeeded: number,
  ) {
    const { topicsPerChannel, channelsPerClient } = GENESYS_CHANNEL_LIMITS;
    super(
      'TR_ERR_CHANNELS_LIMIT',
      `${topics} topics need ${channelsNeeded} notification channels of ${topicsPerChannel}; an OAuth client may hold at most ${channelsPerClient} (${channelsPerClient * topicsPerChannel} topics): hold fewer topics, or split them over OAuth clients`,
      false,
    );
    this.name = 'NotificationChannelsLimitError';
  }
}

/** A notifications API call failed; `status` when the server answered. */
export class NotificationChannelsRequestError extends NotificationChannelsError {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number | undefined,
    cause: unknown,
  ) {
    const said = (cause as Error | undefined)?.message ?? String(cause);
    super(
      'TR_ERR_CHANNELS_REQUEST',
      status === undefined
        ? `${method} ${path} failed: ${said}`
        : `${method} ${path} answered ${status}: ${said}${hint(status)}`,
      status === undefined || !refused(status),
      { cause },
    );
    this.name = 'NotificationChannelsRequestError';
  }
}

/** The notifications API answered something of the wrong shape. */
export class NotificationChannelsAnswerError extends NotificationChannelsError {
  constructor(what: string, issues: string) {
    super('TR_ERR_CHANNELS_BAD_ANSWER', `${what} answered an unexpected body: ${issues}`, false);
    this.name = 'NotificationChannelsAnswerError';
  }
}

/** close() was called before the operation finished. */
export class NotificationChannelsClosedError extends NotificationChannelsError {
  constructor() {
    super('TR_ERR_CHANNELS_CLOSED', 'the notification channels were closed', false);
    this.name = 'NotificationChannelsClosedError';
  }
}

/** A 4xx that asking again will not change: everything but 404 (a channel gone), 408, 409 and 429. */
function refused(status: number): boolean {
  return status >= 400 && status < 500 && ![404, 408, 409, 429].includes(status);
}

function hint(status: number): string {
  if (status === 401) return ' (check the OAuth client credentials)';
  if (status === 403) return " (check the OAuth client's permissions)";
  return '';
}

function statusOf(err: unknown): number | undefined {
  const s = (err as { status?: unknown } | null)?.status;
  return typeof s === 'number' ? s : undefined;
}

/** Whether the first setup of a channel should give up: the server refused, asking again won't help. */
function fatal(err: unknown): boolean {
  return err instanceof NotificationChannelsError && !err.retriable;
}

/** What a log line says of a failure: never more than the error's own message and status. */
function describe(err: unknown): { message: string; code?: string; status?: number } {
  const e = err as { message?: unknown; code?: unknown } | null;
  const status = statusOf(err);
  return {
    message: typeof e?.message === 'string' ? e.message : String(err),
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
    ...(status !== undefined ? { status } : {}),
  };
}

const ChannelAnswer = z.object({
  id: z.string().min(1),
  connectUri: z.string().min(1),
  expires: z.string().optional(),
});

const SubscriptionAnswer = z.object({
  entities: z.array(
    z.object({
      id: z.string(),
      state: z.string().optional(),
      rejectionReason: z.string().optional(),
      missingPermissions: z.array(z.string()).optional(),
    }),
  ),
});

interface Settings {
  heartbeatTimeoutMs: number;
  reconnectBaseMs: number;
  reconnectCapMs: number;
  renewBeforeExpiryMs: number;
}

/** What every lane shares with the client that owns it. */
interface LaneHost {
  readonly http: ChannelHttp;
  readonly clock: Clock;
  readonly log: ChannelLogger;
  readonly settings: Settings;
  readonly stats: NotificationChannelsStats;
  readonly random: () => number;
  /** milliseconds from now until a channel with this `expires` (none: just extended) should be renewed */
  renewalDelay(expires: string | undefined): number;
  /** the client holds as many channels as it may: a new one would make the server evict one */
  crowded(): boolean;
  connected(info: ChannelConnectedInfo): void;
  rejected(rejected: RejectedTopic[]): void;
  deliver(event: ChannelEvent): void;
  malformed(channelId: string): void;
  unknownTopic(channelId: string, topicName: string): void;
  /** the lane has ended with no topics left (all rejected): drop it */
  emptied(lane: Lane): void;
}

interface Channel {
  id: string;
  connectUri: string;
  /** the lane's topic generation its subscriptions reflect; 0 = none yet */
  gen: number;
  failedOpens: number;
  /** cancels the channel's renewal timer */
  renewal: AbortController;
}

/** Why a lane's loop woke up. Socket wakes name their socket: one from a retired socket is stale. */
type Wake =
  | { kind: 'ended'; socket: ChannelSocket; silent: boolean; code?: number; reason?: string }
  | { kind: 'socket-closing'; socket: ChannelSocket }
  | { kind: 'renew'; channel: Channel }
  | { kind: 'resync' }
  | { kind: 'stop' };

/**
 * A lane's states. connecting (HEAD, create, subscribe, open) → open → on a lost socket
 * backing-off → connecting again; from open, `socket_closing` is handing-over (a new socket on the
 * same channel) and a due renewal is renewing (a new channel), both while the old socket still
 * delivers, back to open after. stopped is final.
 */
export type LaneState = 'connecting' | 'open' | 'handing-over' | 'renewing' | 'backing-off' | 'stopped';

/** One WebSocket on a channel's connectUri. */
class ChannelSocket {
  readonly ws: WebSocket;
  readonly opened: Promise<void>;
  readonly closed: Promise<void>;
  /** cancels the heartbeat watchdog */
  readonly watch = new AbortController();
  lastMessageAt: number;

  constructor(
    readonly channelId: string,
    url: string,
    now: number,
    on: {
      message(socket: ChannelSocket, data: unknown): void;
      ended(socket: ChannelSocket, code: number, reason: string): void;
    },
  ) {
    this.lastMessageAt = now;
    this.ws = new WebSocket(url);
    let open = false;
    this.opened = new Promise<void>((resolve, reject) => {
      this.ws.addEventListener('open', () => {
        open = true;
        resolve();
      });
      this.ws.addEventListener('close', (e) => {
        if (!open)
          reject(new Error(`the socket of channel ${channelId} did not open (close code ${e.code})`));
      });
    });
    this.closed = new Promise<void>((resolve) => this.ws.addEventListener('close', () => resolve()));
    this.ws.addEventListener('message', (e) => on.message(this, e.data));
    this.ws.addEventListener('close', (e) => {
      this.watch.abort();
      if (open) on.ended(this, e.code, e.reason);
    });
    // an 'error' is always followed by 'close', where the lane hears of it
    this.ws.addEventListener('error', () => {});
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  close(): void {
    this.watch.abort();
    const s = this.ws.readyState;
    if (s === WebSocket.CONNECTING || s === WebSocket.OPEN) this.ws.close(1000, 'client closing');
  }
}

/**
 * One channel's worth of topics, driven by one loop (`#run`), so a lane's HTTP calls never
 * interleave: socket events, timers and topic changes only post wakes to its mailbox.
 */
class Lane {
  /** the topics this lane should hold; rejected ones are taken out */
  readonly topics: Set<string>;
  #gen = 1;
  #state: LaneState = 'connecting';
  #channel: Channel | undefined;
  #socket: ChannelSocket | undefined;
  /** every socket not yet closed: the current one and those retired but still delivering */
  readonly #sockets = new Set<ChannelSocket>();
  readonly #timers = new Set<AbortController>();
  readonly #mail: Wake[] = [];
  #waiter: (() => void) | undefined;
  #reconnectAttempt = 0;
  #retryAttempt = 0;
  /** a socket of this lane has been open: the next one is a reconnect */
  #opened = false;
  #stopping = false;
  #discard = false;
  #failure: unknown;
  readonly #halt = new AbortController();
  readonly #halted: Promise<never>;
  readonly #applied: Array<{ gen: number; resolve: () => void; reject: (err: unknown) => void }> = [];
  /** resolves once the lane's first socket is open and subscribed (or it ended with no topics) */
  readonly ready: Promise<void>;
  #readyResolve!: () => void;
  #readyReject!: (err: unknown) => void;
  readonly #done: Promise<void>;

  constructor(
    private readonly h: LaneHost,
    topics: Iterable<string>,
  ) {
    this.topics = new Set(topics);
    this.#halted = new Promise<never>((_, reject) => {
      this.#halt.signal.addEventListener('abort', () => reject(new NotificationChannelsClosedError()));
    });
    this.#halted.catch(() => {});
    this.ready = new Promise<void>((resolve, reject) => {
      this.#readyResolve = resolve;
      this.#readyReject = reject;
    });
    this.ready.catch(() => {});
    this.#done = this.#run().then(
      (end) => this.#finish(end),
      (err: unknown) => {
        this.h.log.error({ err: describe(err) }, 'notification channel lane failed unexpectedly');
        this.#failure = err;
        return this.#finish('failed');
      },
    );
  }

  get state(): LaneState {
    return this.#state;
  }

  get channelId(): string | undefined {
    return this.#channel?.id;
  }

  get open(): boolean {
    return this.#socket?.isOpen ?? false;
  }

  /** Adds and removes topics; resolves when the channel's subscriptions say so. */
  change(add: Iterable<string>, remove: Iterable<string>): Promise<void> {
    if (this.#stopping) return Promise.reject(new NotificationChannelsClosedError());
    for (const t of add) this.topics.add(t);
    for (const t of remove) this.topics.delete(t);
    const gen = ++this.#gen;
    const applied = new Promise<void>((resolve, reject) => this.#applied.push({ gen, resolve, reject }));
    this.#post({ kind: 'resync' });
    return applied;
  }

  /** Stops the lane, closes its sockets; `discard` also drops its channel's subscriptions. */
  shutdown(discard: boolean): Promise<void> {
    if (!this.#stopping) {
      this.#stopping = true;
      this.#discard = discard;
      for (const t of this.#timers) t.abort();
      this.#timers.clear();
      this.#halt.abort();
      this.#post({ kind: 'stop' });
    }
    return this.#done;
  }

  async #run(): Promise<'stopped' | 'emptied' | 'failed'> {
    try {
      return await this.#loop();
    } finally {
      // from here on the lane takes no more changes
      this.#stopping = true;
    }
  }

  async #loop(): Promise<'stopped' | 'emptied' | 'failed'> {
    let pauseFirst = false;
    while (!this.#stopping) {
      try {
        if (pauseFirst) {
          this.#state = 'backing-off';
          await this.#pause(this.#backoff(this.#reconnectAttempt++));
        }
        pauseFirst = true;
        if (!(await this.#establish())) return 'emptied';
        if (!(await this.#serve())) return this.#stopping ? 'stopped' : 'emptied';
      } catch (err) {
        if (this.#stopping) break;
        if (!this.#opened && fatal(err)) {
          this.#failure = err;
          return 'failed';
        }
        this.h.log.warn(
          { channel: this.#channel?.id, err: describe(err) },
          'notification channel: could not connect; trying again',
        );
      }
    }
    return 'stopped';
  }

  /**
   * A channel (the lane's own if it is still there, else a new one), its subscriptions brought up
   * to date, an open socket. False when no topic is left (all rejected).
   */
  async #establish(): Promise<boolean> {
    this.#state = 'connecting';
    if (this.#channel && !(await this.#stillThere(this.#channel))) this.#dropChannel();
    const channel = this.#channel ?? (await this.#create());
    this.#channel = channel;
    if (channel.gen < this.#gen) {
      await this.#subscribe(channel);
      if (this.topics.size === 0) return false;
    }
    const socket = await this.#connect(channel);
    this.#socket = socket;
    this.#watchdog(socket);
    const reconnect = this.#opened;
    this.#opened = true;
    if (reconnect) this.h.stats.reconnects++;
    this.#state = 'open';
    this.#settle();
    this.#readyResolve();
    this.h.connected({ channelId: channel.id, reconnect, topics: [...this.topics] });
    return true;
  }

  /** Serves the open socket until it is lost (true) or the lane stops or empties (false). */
  async #serve(): Promise<boolean> {
    for (;;) {
      this.#state = 'open';
      const w = await this.#next();
      if (w.kind === 'stop' || this.#stopping) return false;
      if (w.kind === 'resync') {
        if (!(await this.#resync())) return true;
        if (this.topics.size === 0) return false;
      } else if (w.kind === 'renew') {
        if (w.channel !== this.#channel) continue;
        if (!this.h.crowded()) await this.#renew();
        else if (!(await this.#extend())) return true;
        if (this.topics.size === 0) return false;
      } else if (w.socket !== this.#socket) {
        // from a retired socket: its channel or socket has been replaced already
      } else if (w.kind === 'socket-closing') {
        await this.#handOver();
      } else {
        this.#lose(w);
        return true;
      }
    }
  }

  /** HEAD on the channel: false when it is gone, or its socket keeps failing to open. */
  async #stillThere(channel: Channel): Promise<boolean> {
    try {
      await this.#call('HEAD', `${CHANNELS_PATH}/${encodeURIComponent(channel.id)}`);
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
      this.#gone(channel);
      return false;
    }
    if (channel.failedOpens < MAX_FAILED_OPENS) return true;
    this.h.log.warn(
      { channel: channel.id, failedOpens: channel.failedOpens },
      'notification channel exists but its socket will not open: making a new one',
    );
    return false;
  }

  async #create(): Promise<Channel> {
    const answer = await this.#call('POST', CHANNELS_PATH);
    const parsed = ChannelAnswer.safeParse(answer);
    if (!parsed.success)
      throw new NotificationChannelsAnswerError(`POST ${CHANNELS_PATH}`, parsed.error.message);
    this.h.stats.channelsCreated++;
    const channel: Channel = {
      id: parsed.data.id,
      connectUri: parsed.data.connectUri,
      gen: 0,
      failedOpens: 0,
      renewal: new AbortController(),
    };
    this.#armRenewal(channel, parsed.data.expires);
    this.h.log.info({ channel: channel.id, topics: this.topics.size }, 'notification channel created');
    return channel;
  }

  /** PUT the lane's topics on the channel (replacing its subscriptions); takes the rejected ones out. */
  async #subscribe(channel: Channel): Promise<void> {
    const gen = this.#gen;
    const path = `${CHANNELS_PATH}/${encodeURIComponent(channel.id)}/subscriptions`;
    const answer = await this.#call(
      'PUT',
      `${path}?ignoreErrors=true`,
      [...this.topics].map((id) => ({ id })),
    );
    const parsed = SubscriptionAnswer.safeParse(answer);
    if (!parsed.success) throw new NotificationChannelsAnswerError(`PUT ${path}`, parsed.error.message);
    const rejected: RejectedTopic[] = [];
    for (const e of parsed.data.entities) {
      if (e.state !== 'Rejected') continue;
      this.topics.delete(e.id);
      rejected.push({
        id: e.id,
        ...(e.rejectionReason !== undefined ? { rejectionReason: e.rejectionReason } : {}),
        ...(e.missingPermissions !== undefined ? { missingPermissions: e.missingPermissions } : {}),
      });
    }
    channel.gen = gen;
    if (rejected.length > 0) this.h.rejected(rejected);
  }

  async #connect(channel: Channel): Promise<ChannelSocket> {
    let socket: ChannelSocket;
    try {
      socket = new ChannelSocket(channel.id, channel.connectUri, this.h.clock.now(), {
        message: (s, data) => this.#onMessage(s, data),
        ended: (s, code, reason) => this.#post({ kind: 'ended', socket: s, silent: false, code, reason }),
      });
    } catch (err) {
      channel.failedOpens++;
      throw err;
    }
    this.#sockets.add(socket);
    void socket.closed.then(() => this.#sockets.delete(socket));
    try {
      await this.#guard(socket.opened);
    } catch (err) {
      socket.close();
      if (!this.#stopping) channel.failedOpens++;
      throw err;
    }
    channel.failedOpens = 0;
    return socket;
  }

  /** The subscriptions brought up to date on the open channel; false when the channel is gone. */
  async #resync(): Promise<boolean> {
    const channel = this.#channel!;
    if (channel.gen >= this.#gen) return true;
    try {
      await this.#subscribe(channel);
    } catch (err) {
      if (this.#stopping) throw err;
      if (statusOf(err) === 404) {
        this.#gone(channel);
        return false;
      }
      this.h.log.warn(
        { channel: channel.id, err: describe(err) },
        'notification channel: could not change its subscriptions; trying again',
      );
      this.#later({ kind: 'resync' });
      return true;
    }
    this.#retryAttempt = 0;
    this.#settle();
    return true;
  }

  /** A new channel subscribed and connected while the old one still delivers; then the old one goes. */
  async #renew(): Promise<void> {
    const old = this.#channel!;
    const oldSocket = this.#socket!;
    this.#state = 'renewing';
    let next: Channel | undefined;
    try {
      next = await this.#create();
      await this.#subscribe(next);
      if (this.topics.size === 0) {
        next.renewal.abort();
        return;
      }
      const socket = await this.#connect(next);
      this.#channel = next;
      this.#socket = socket;
      this.#watchdog(socket);
      old.renewal.abort();
      this.#retryAttempt = 0;
      this.h.stats.renewals++;
      this.h.log.info(
        { channel: next.id, previous: old.id },
        'notification channel renewed before it expires',
      );
      this.#settle();
      if (next.gen < this.#gen) this.#post({ kind: 'resync' });
      this.h.connected({ channelId: next.id, reconnect: false, topics: [...this.topics] });
      void this.#discardChannel(old, oldSocket);
    } catch (err) {
      next?.renewal.abort();
      if (this.#stopping) throw err;
      this.h.log.warn(
        { channel: old.id, err: describe(err) },
        'notification channel: could not renew; trying again',
      );
      this.#later({ kind: 'renew', channel: old });
    }
  }

  /**
   * Renewal at the channel limit: a new channel would be one too many, and the server would evict
   * one of ours for it. The same topics are subscribed again instead, which restarts the channel's
   * 24 hours (a subscription change does). False when the channel is gone.
   */
  async #extend(): Promise<boolean> {
    const channel = this.#channel!;
    this.#state = 'renewing';
    try {
      await this.#subscribe(channel);
    } catch (err) {
      if (this.#stopping) throw err;
      if (statusOf(err) === 404) {
        this.#gone(channel);
        return false;
      }
      this.h.log.warn(
        { channel: channel.id, err: describe(err) },
        'notification channel: could not extend; trying again',
      );
      this.#later({ kind: 'renew', channel });
      return true;
    }
    this.#retryAttempt = 0;
    this.h.stats.renewals++;
    this.h.log.info({ channel: channel.id }, 'notification channel extended by subscribing again');
    this.#settle();
    this.#armRenewal(channel, undefined);
    return true;
  }

  /** Posts `renew` for the channel when it is due; `expires` undefined: it has just been extended. */
  #armRenewal(channel: Channel, expires: string | undefined): void {
    channel.renewal.abort();
    channel.renewal = new AbortController();
    void this.#timer(this.h.renewalDelay(expires), channel.renewal).then((due) => {
      if (due) this.#post({ kind: 'renew', channel });
    });
  }

  /** A subscription call answered 404: the channel expired or was removed. */
  #gone(channel: Channel): void {
    this.h.stats.expiries++;
    this.h.log.info(
      { channel: channel.id },
      'notification channel is gone (expired or removed): making a new one',
    );
    this.#dropChannel();
    this.#dropSocket();
  }

  /**
   * `v2.system.socket_closing`: a new socket on the same channel at once, while the old one still
   * delivers (the server closes it when the new one takes over, or when its grace period ends).
   */
  async #handOver(): Promise<void> {
    const channel = this.#channel!;
    const old = this.#socket!;
    this.#state = 'handing-over';
    this.h.log.info({ channel: channel.id }, 'notification socket closing soon: opening its successor');
    try {
      const socket = await this.#connect(channel);
      old.watch.abort();
      this.#socket = socket;
      this.#watchdog(socket);
      this.h.stats.reconnects++;
      this.h.connected({ channelId: channel.id, reconnect: true, topics: [...this.topics] });
    } catch (err) {
      if (this.#stopping) throw err;
      this.h.log.warn(
        { channel: channel.id, err: describe(err) },
        'notification channel: could not open a socket before the old one closes; reconnecting after it does',
      );
    }
  }

  /** The current socket ended: decide whether its channel is worth reconnecting to. */
  #lose(w: Extract<Wake, { kind: 'ended' }>): void {
    const channel = this.#channel!;
    this.#dropSocket();
    if (w.silent) {
      this.h.stats.heartbeatTimeouts++;
      this.h.log.warn(
        { channel: channel.id, timeoutMs: this.h.settings.heartbeatTimeoutMs },
        'notification socket silent past the heartbeat timeout: reconnecting',
      );
    } else if (w.code === CLOSE_EVICTED || w.code === CLOSE_TAKEN_OVER) {
      if (w.code === CLOSE_EVICTED) this.h.stats.evictions++;
      else this.h.stats.takeovers++;
      this.h.log.warn(
        { channel: channel.id, code: w.code, reason: w.reason },
        w.code === CLOSE_EVICTED
          ? 'notification channel evicted for a newer one: making a new channel'
          : 'notification channel taken over by another socket: making a new channel',
      );
      this.#dropChannel();
    } else {
      this.h.log.warn(
        { channel: channel.id, code: w.code, reason: w.reason },
        'notification socket closed: reconnecting',
      );
    }
  }

  #dropSocket(): void {
    this.#socket?.close();
    this.#socket = undefined;
  }

  #dropChannel(): void {
    this.#channel?.renewal.abort();
    this.#channel = undefined;
  }

  /** A replaced channel: its subscriptions go first, so the server stops sending there; then its socket. */
  async #discardChannel(channel: Channel, socket: ChannelSocket | undefined): Promise<void> {
    try {
      await this.h.http.json('DELETE', `${CHANNELS_PATH}/${encodeURIComponent(channel.id)}/subscriptions`);
    } catch (err) {
      this.h.log.debug(
        { channel: channel.id, err: describe(err) },
        'notification channel: dropping its subscriptions failed',
      );
    }
    socket?.close();
  }

  #onMessage(socket: ChannelSocket, data: unknown): void {
    socket.lastMessageAt = this.h.clock.now();
    if (socket === this.#socket) this.#reconnectAttempt = 0;
    this.h.stats.messages++;
    const m = readMessage(data);
    if (!m) this.h.malformed(socket.channelId);
    else if (m.topicName === HEARTBEAT_TOPIC) {
      // a heartbeat or a pong: it has reset the watchdog, nothing more
    } else if (m.topicName === SOCKET_CLOSING_TOPIC) {
      this.h.stats.socketClosing++;
      this.#post({ kind: 'socket-closing', socket });
    } else if (this.topics.has(m.topicName)) this.h.deliver(m);
    else this.h.unknownTopic(socket.channelId, m.topicName);
  }

  /** Posts `ended … silent` when the socket has carried no message for heartbeatTimeoutMs. */
  #watchdog(socket: ChannelSocket): void {
    const timeout = this.h.settings.heartbeatTimeoutMs;
    void (async () => {
      for (;;) {
        const idle = this.h.clock.now() - socket.lastMessageAt;
        if (idle >= timeout) {
          this.#post({ kind: 'ended', socket, silent: true });
          return;
        }
        if (!(await this.#timer(timeout - idle, socket.watch))) return;
      }
    })();
  }

  #post(w: Wake): void {
    this.#mail.push(w);
    const wake = this.#waiter;
    this.#waiter = undefined;
    wake?.();
  }

  async #next(): Promise<Wake> {
    while (this.#mail.length === 0) await new Promise<void>((resolve) => (this.#waiter = resolve));
    return this.#mail.shift()!;
  }

  /** Posts `w` after a retry pause (a failed renewal or subscription change). */
  #later(w: Wake): void {
    void this.#timer(this.#backoff(this.#retryAttempt++)).then((due) => {
      if (due) this.#post(w);
    });
  }

  /** Full jitter: uniform in [0, min(cap, base · 2^attempt)). */
  #backoff(attempt: number): number {
    const { reconnectBaseMs, reconnectCapMs } = this.h.settings;
    return this.h.random() * Math.min(reconnectCapMs, reconnectBaseMs * 2 ** Math.min(attempt, 30));
  }

  /** A timer on the clock that shutdown cancels: true when it ran out, false when cancelled. */
  async #timer(ms: number, control = new AbortController()): Promise<boolean> {
    if (this.#stopping) return false;
    this.#timers.add(control);
    try {
      await this.h.clock.sleep(ms, control.signal);
      return !control.signal.aborted;
    } catch {
      return false;
    } finally {
      this.#timers.delete(control);
    }
  }

  async #pause(ms: number): Promise<void> {
    if (!(await this.#timer(ms))) throw new NotificationChannelsClosedError();
  }

  /** `p`, or a ClosedError as soon as the lane stops. */
  #guard<T>(p: Promise<T>): Promise<T> {
    return Promise.race([p, this.#halted]);
  }

  async #call(method: 'POST' | 'PUT' | 'HEAD', path: string, body?: unknown): Promise<unknown> {
    const call = this.h.http.json(method, path, body).catch((err: unknown) => {
      throw new NotificationChannelsRequestError(method, path, statusOf(err), err);
    });
    return this.#guard(call);
  }

  /** Resolves the topic changes that the current channel's subscriptions now reflect. */
  #settle(): void {
    const gen = this.#channel?.gen ?? 0;
    for (let i = this.#applied.length - 1; i >= 0; i--) {
      const w = this.#applied[i]!;
      if (w.gen > gen) continue;
      this.#applied.splice(i, 1);
      w.resolve();
    }
  }

  async #finish(end: 'stopped' | 'emptied' | 'failed'): Promise<void> {
    this.#stopping = true;
    this.#state = 'stopped';
    // a lane without topics (emptied here, or by removeTopics) has done what was asked of it
    const done = end === 'emptied' || this.#discard;
    if (done) this.h.emptied(this);
    for (const t of this.#timers) t.abort();
    this.#timers.clear();
    this.#halt.abort();
    const channel = this.#channel;
    this.#dropChannel();
    if (channel && done) await this.#discardChannel(channel, this.#socket);
    for (const s of this.#sockets) s.close();
    const waiting = new AbortController();
    await Promise.race([
      Promise.all([...this.#sockets].map((s) => s.closed)),
      this.h.clock.sleep(CLOSE_WAIT_MS, waiting.signal).then(
        () => this.h.log.warn({ sockets: this.#sockets.size }, 'notification sockets did not close in time'),
        () => {},
      ),
    ]);
    waiting.abort();
    this.#socket = undefined;
    if (done) {
      for (const w of this.#applied.splice(0)) w.resolve();
      this.#readyResolve();
    } else {
      const reason = end === 'failed' ? this.#failure : new NotificationChannelsClosedError();
      for (const w of this.#applied.splice(0)) w.reject(reason);
      this.#readyReject(reason);
    }
  }
}

/** A message's envelope, or undefined when it is not JSON or names no topic. */
function readMessage(data: unknown): ChannelEvent | undefined {
  if (typeof data !== 'string') return undefined;
  let v: unknown;
  try {
    v = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (v === null || typeof v !== 'object') return undefined;
  const m = v as { topicName?: unknown; eventBody?: unknown; metadata?: unknown };
  if (typeof m.topicName !== 'string' || m.topicName === '') return undefined;
  return {
    topicName: m.topicName,
    eventBody: m.eventBody,
    ...(m.metadata !== undefined ? { metadata: m.metadata } : {}),
  };
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new NotificationChannelsOptionError(
      `${name} must be a positive number of milliseconds, got ${value}`,
    );
  return value;
}

function settingsFrom(o: NotificationChannelsOptions): Settings {
  const d = DEFAULT_NOTIFICATION_CHANNELS_OPTIONS;
  const s: Settings = {
    heartbeatTimeoutMs: positive('heartbeatTimeoutMs', o.heartbeatTimeoutMs ?? d.heartbeatTimeoutMs),
    reconnectBaseMs: positive('reconnectBaseMs', o.reconnectBaseMs ?? d.reconnectBaseMs),
    reconnectCapMs: positive('reconnectCapMs', o.reconnectCapMs ?? d.reconnectCapMs),
    renewBeforeExpiryMs: o.renewBeforeExpiryMs ?? d.renewBeforeExpiryMs,
  };
  if (s.reconnectCapMs < s.reconnectBaseMs)
    throw new NotificationChannelsOptionError(
      `reconnectCapMs (${s.reconnectCapMs}) must be at least reconnectBaseMs (${s.reconnectBaseMs})`,
    );
  const lifetime = GENESYS_CHANNEL_LIMITS.channelLifetimeMs;
  if (
    !Number.isFinite(s.renewBeforeExpiryMs) ||
    s.renewBeforeExpiryMs < 0 ||
    s.renewBeforeExpiryMs >= lifetime
  )
    throw new NotificationChannelsOptionError(
      `renewBeforeExpiryMs must be at least 0 and less than a channel's lifetime (${lifetime} ms), got ${s.renewBeforeExpiryMs}`,
    );
  return s;
}

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
