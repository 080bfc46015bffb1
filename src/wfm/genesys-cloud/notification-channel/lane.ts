import { type Channel, ChannelCalls } from './channel-calls.js';
import { describe, fatal, NotificationChannelsClosedError, statusOf } from './errors.js';
import type { LaneHost } from './lane-host.js';
import { LaneSockets } from './lane-sockets.js';
import { backoff, LaneTimers } from './lane-timers.js';
import { LaneWakes, type Wake } from './lane-wakes.js';
import {
  type ChannelSocket,
  CLOSE_EVICTED,
  CLOSE_TAKEN_OVER,
  HEARTBEAT_TOPIC,
  readMessage,
  SOCKET_CLOSING_TOPIC,
} from './socket.js';

/** A socket that will not open this many times running on a channel that HEAD says exists: new channel. */
const MAX_FAILED_OPENS = 3;

/**
 * A lane's states. connecting (HEAD, create, subscribe, open) → open → on a lost socket
 * backing-off → connecting again; from open, `socket_closing` is handing-over (a new socket on the
 * same channel) and a due renewal is renewing (a new channel), both while the old socket still
 * delivers, back to open after. stopped is final.
 */
export type LaneState = 'connecting' | 'open' | 'handing-over' | 'renewing' | 'backing-off' | 'stopped';

/**
 * One channel's worth of topics, driven by one loop (`#run`), so a lane's HTTP calls never
 * interleave: socket events, timers and topic changes only post wakes to its mailbox.
 */
export class Lane {
  /** the topics this lane should hold; rejected ones are taken out */
  readonly topics: Set<string>;
  #gen = 1;
  #state: LaneState = 'connecting';
  #channel: Channel | undefined;
  #socket: ChannelSocket | undefined;
  readonly #sockets: LaneSockets;
  readonly #timers: LaneTimers;
  readonly #wakes: LaneWakes;
  readonly #calls: ChannelCalls;
  #reconnectAttempt = 0;
  #retryAttempt = 0;
  /** a socket of this lane has been open: the next one is a reconnect */
  #opened = false;
  #stopping = false;
  #discard = false;
  #failure: unknown;
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
    this.#timers = new LaneTimers(h.clock, () => this.#stopping);
    this.#wakes = new LaneWakes(h, this.#timers);
    this.#calls = new ChannelCalls(h, this.topics, this.#timers, this.#wakes);
    this.#sockets = new LaneSockets(h, this.#timers, () => this.#stopping, {
      message: (s, data) => this.#onMessage(s, data),
      ended: (s, code, reason) => this.#wakes.post({ kind: 'ended', socket: s, silent: false, code, reason }),
    });
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
    this.#wakes.post({ kind: 'resync' });
    return applied;
  }

  /** Stops the lane, closes its sockets; `discard` also drops its channel's subscriptions. */
  shutdown(discard: boolean): Promise<void> {
    if (!this.#stopping) {
      this.#stopping = true;
      this.#discard = discard;
      this.#timers.stop();
      this.#wakes.post({ kind: 'stop' });
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
          await this.#timers.pause(this.#backoff(this.#reconnectAttempt++));
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
    const channel = this.#channel ?? (await this.#calls.create());
    this.#channel = channel;
    if (channel.gen < this.#gen) {
      await this.#calls.subscribe(channel, this.#gen);
      if (this.topics.size === 0) return false;
    }
    const socket = await this.#sockets.open(channel);
    this.#socket = socket;
    this.#wakes.watchdog(socket);
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
      const w = await this.#wakes.next();
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
      await this.#calls.head(channel);
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

  /** The subscriptions brought up to date on the open channel; false when the channel is gone. */
  async #resync(): Promise<boolean> {
    const channel = this.#channel!;
    if (channel.gen >= this.#gen) return true;
    try {
      await this.#calls.subscribe(channel, this.#gen);
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
      next = await this.#calls.create();
      await this.#calls.subscribe(next, this.#gen);
      if (this.topics.size === 0) {
        next.renewal.abort();
        return;
      }
      const socket = await this.#sockets.open(next);
      this.#channel = next;
      this.#socket = socket;
      this.#wakes.watchdog(socket);
      old.renewal.abort();
      this.#retryAttempt = 0;
      this.h.stats.renewals++;
      this.h.log.info(
        { channel: next.id, previous: old.id },
        'notification channel renewed before it expires',
      );
      this.#settle();
      if (next.gen < this.#gen) this.#wakes.post({ kind: 'resync' });
      this.h.connected({ channelId: next.id, reconnect: false, topics: [...this.topics] });
      void this.#calls.discard(old, oldSocket);
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
      await this.#calls.subscribe(channel, this.#gen);
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
    this.#wakes.armRenewal(channel, undefined);
    return true;
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
      const socket = await this.#sockets.open(channel);
      old.watch.abort();
      this.#socket = socket;
      this.#wakes.watchdog(socket);
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
      this.#wakes.post({ kind: 'socket-closing', socket });
    } else if (this.topics.has(m.topicName)) this.h.deliver(m);
    else this.h.unknownTopic(socket.channelId, m.topicName);
  }

  /** Posts `w` after a retry pause (a failed renewal or subscription change). */
  #later(w: Wake): void {
    this.#wakes.postAfter(this.#backoff(this.#retryAttempt++), w);
  }

  #backoff(attempt: number): number {
    return backoff(this.h.settings, this.h.random, attempt);
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
    this.#timers.stop();
    const channel = this.#channel;
    this.#dropChannel();
    if (channel && done) await this.#calls.discard(channel, this.#socket);
    await this.#sockets.closeAll();
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
