import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { VirtualClock } from '../virtual-clock.js';
import { GenesysError } from './genesys-error.js';
import type { Principal } from './login-host.js';

/** Where channel sockets are served (the connectUri's path), like `wss://streaming.{region}/channels/{id}`. */
export const STREAMING_PREFIX = '/channels/';

export interface HubSettings {
  heartbeatMs: number;
  socketClosingGraceMs: number;
  channelTtlHours: number;
  maxChannelsPerClient: number;
  maxTopicsPerChannel: number;
}

/** What a topic authority says of a topic for a principal. */
export type TopicDecision =
  | { state: 'Permitted' }
  | { state: 'Rejected'; rejectionReason: string; missingPermissions?: string[] };

/**
 * A publisher's claim on topics: the decision for a topic it serves, undefined for one it does
 * not know. The WFM emulation claims its business unit's topics; another publisher (trunk
 * metrics) registers its own, and the hub serves them all alike.
 */
export type TopicAuthority = (topic: string, principal: Principal) => TopicDecision | undefined;

interface Channel {
  id: string;
  clientId: string;
  token: string;
  createdAt: number;
  /** virtual clock: creation or last subscription change + channelTtlHours */
  expiresAt: number;
  lastUsed: number;
  topics: Set<string>;
  socket?: WebSocket;
  heartbeat?: NodeJS.Timeout;
  closing?: NodeJS.Timeout;
}

export interface HubStats {
  published: number;
  delivered: number;
  /** notifications for a subscribed topic sent while the channel had no socket: lost, as on Genesys */
  undelivered: number;
  heartbeats: number;
  socketClosings: number;
  expired: number;
  evicted: number;
}

/**
 * The notifications service: channels per OAuth client (at most maxChannelsPerClient; a new one
 * past that evicts the least recently used, those without a socket first), topic subscriptions
 * (at most maxTopicsPerChannel), one WebSocket per channel, heartbeats, pings answered,
 * `v2.system.socket_closing` before a close, and a lifetime on the virtual clock that a
 * subscription change renews. Delivery is not durable: what is published while a channel has no
 * socket is lost. Any publisher feeds it through `publish(topicName, eventBody)`.
 */
export class NotificationHub {
  private readonly channels = new Map<string, Channel>();
  private readonly byTopic = new Map<string, Set<Channel>>();
  private readonly authorities: TopicAuthority[] = [];
  private readonly wss = new WebSocketServer({ noServer: true });
  /** false: sockets stay open but no heartbeat is sent (a missed-heartbeat fault) */
  heartbeats = true;
  readonly stats: HubStats = {
    published: 0,
    delivered: 0,
    undelivered: 0,
    heartbeats: 0,
    socketClosings: 0,
    expired: 0,
    evicted: 0,
  };

  constructor(
    private readonly clock: VirtualClock,
    private readonly settings: () => HubSettings,
  ) {}

  addAuthority(authority: TopicAuthority): void {
    this.authorities.push(authority);
  }

  createChannel(principal: Principal, streamingOrigin: string): Record<string, unknown> {
    const now = this.clock.now();
    const own = [...this.channels.values()].filter((c) => c.clientId === principal.clientId);
    const max = this.settings().maxChannelsPerClient;
    if (own.length >= max) {
      // Genesys removes the channel used longest ago, those without an active connection first.
      own.sort((a, b) => Number(!!a.socket) - Number(!!b.socket) || a.lastUsed - b.lastUsed);
      for (const c of own.slice(0, own.length - max + 1)) {
        this.remove(c, 4000, 'channel removed: a newer channel took its place');
        this.stats.evicted++;
      }
    }
    const channel: Channel = {
      id: randomUUID(),
      clientId: principal.clientId,
      token: principal.token,
      createdAt: now,
      expiresAt: now + this.ttlMs(),
      lastUsed: now,
      topics: new Set(),
    };
    this.channels.set(channel.id, channel);
    return this.channelToWire(channel, streamingOrigin);
  }

  private ttlMs(): number {
    return this.settings().channelTtlHours * 3_600_000;
  }

  private channelToWire(c: Channel, streamingOrigin: string): Record<string, unknown> {
    return {
      id: c.id,
      connectUri: `${streamingOrigin}${STREAMING_PREFIX}${c.id}`,
      expires: new Date(c.expiresAt).toISOString(),
    };
  }

  listChannels(
    principal: Principal,
    scope: 'token' | 'oauthclient',
    streamingOrigin: string,
  ): Record<string, unknown>[] {
    return [...this.channels.values()]
      .filter(
        (c) => c.clientId === principal.clientId && (scope === 'oauthclient' || c.token === principal.token),
      )
      .map((c) => this.channelToWire(c, streamingOrigin));
  }

  private owned(channelId: string, principal: Principal): Channel {
    const c = this.channels.get(channelId);
    if (!c || c.clientId !== principal.clientId)
      throw new GenesysError(
        'not.found',
        `channel ${channelId} does not exist (it may have expired or been removed): create a new one`,
      );
    return c;
  }

  exists(channelId: string, principal: Principal): boolean {
    const c = this.channels.get(channelId);
    return !!c && c.clientId === principal.clientId;
  }

  /**
   * PUT replaces a channel's topics, POST adds to them. A topic no publisher knows is a 400, a
   * topic refused is a 403 (400 without missing permissions), unless `ignoreErrors`, which
   * answers it with state Rejected instead and subscribes the rest. Over the per-channel limit
   * is a 400 and changes nothing. A change renews the channel's lifetime.
   */
  subscribe(
    channelId: string,
    principal: Principal,
    topics: string[],
    mode: 'replace' | 'add',
    ignoreErrors: boolean,
  ): Record<string, unknown>[] {
    const c = this.owned(channelId, principal);
    const answers: Record<string, unknown>[] = [];
    const permitted: string[] = [];
    for (const topic of topics) {
      const decision = this.decide(topic, principal);
      if (decision.state === 'Permitted') {
        permitted.push(topic);
        continue;
      }
      if (!ignoreErrors) {
        const missing = decision.missingPermissions ?? [];
        throw missing.length > 0
          ? new GenesysError(
              'missing.permissions',
              `topic ${topic}: ${decision.rejectionReason}`,
              {},
              { missingPermissions: missing },
            )
          : new GenesysError('bad.request', `topic ${topic}: ${decision.rejectionReason}`);
      }
      answers.push({
        id: topic,
        state: 'Rejected',
        rejectionReason: decision.rejectionReason,
        ...(decision.missingPermissions ? { missingPermissions: decision.missingPermissions } : {}),
      });
    }
    const next = new Set(mode === 'replace' ? permitted : [...c.topics, ...permitted]);
    const max = this.settings().maxTopicsPerChannel;
    if (next.size > max) {
      throw new GenesysError(
        'bad.request',
        `channel ${c.id} would have ${next.size} topics; a channel takes at most ${max}: spread the topics over more channels`,
      );
    }
    for (const t of c.topics) if (!next.has(t)) this.byTopic.get(t)?.delete(c);
    for (const t of next) {
      const set = this.byTopic.get(t) ?? new Set<Channel>();
      set.add(c);
      this.byTopic.set(t, set);
    }
    c.topics = next;
    const now = this.clock.now();
    c.expiresAt = now + this.ttlMs();
    c.lastUsed = now;
    return [...[...next].map((id) => ({ id, state: 'Permitted' })), ...answers];
  }

  private decide(topic: string, principal: Principal): TopicDecision {
    for (const authority of this.authorities) {
      const d = authority(topic, principal);
      if (d) return d;
    }
    return {
      state: 'Rejected',
      rejectionReason: 'no such topic: check its name against the available topics',
    };
  }

  subscriptions(channelId: string, principal: Principal): Record<string, unknown>[] {
    return [...this.owned(channelId, principal).topics].map((id) => ({ id, state: 'Permitted' }));
  }

  unsubscribeAll(channelId: string, principal: Principal): void {
    const c = this.owned(channelId, principal);
    for (const t of c.topics) this.byTopic.get(t)?.delete(c);
    c.topics = new Set();
  }

  /** Takes a WebSocket upgrade for `/channels/{id}`; false for any other path. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const path = new URL(req.url ?? '/', 'http://streaming').pathname;
    if (!path.startsWith(STREAMING_PREFIX)) return false;
    const c = this.channels.get(decodeURIComponent(path.slice(STREAMING_PREFIX.length)));
    if (!c) {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return true;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.attach(c, ws));
    return true;
  }

  private attach(c: Channel, ws: WebSocket): void {
    // One socket per channel: a new connection takes the channel over from the old one.
    if (c.socket) this.detach(c, 4001, 'another connection took this channel');
    c.socket = ws;
    c.lastUsed = this.clock.now();
    const ms = this.settings().heartbeatMs;
    c.heartbeat = setInterval(() => {
      if (!this.heartbeats || ws.readyState !== ws.OPEN) return;
      this.stats.heartbeats++;
      ws.send(
        JSON.stringify({ topicName: 'channel.metadata', eventBody: { message: 'WebSocket Heartbeat' } }),
      );
    }, ms);
    c.heartbeat.unref();
    ws.on('message', (data) => {
      let msg: unknown;
      try {
        msg = JSON.parse(String(data));
      } catch {
        return;
      }
      if ((msg as { message?: unknown })?.message === 'ping')
        ws.send(JSON.stringify({ topicName: 'channel.metadata', eventBody: { message: 'pong' } }));
    });
    ws.on('close', () => {
      if (c.socket === ws) this.clearSocket(c);
    });
    ws.on('error', () => ws.terminate());
  }

  private clearSocket(c: Channel): void {
    if (c.heartbeat) clearInterval(c.heartbeat);
    if (c.closing) clearTimeout(c.closing);
    c.socket = undefined;
    c.heartbeat = undefined;
    c.closing = undefined;
  }

  private detach(c: Channel, code: number, reason: string): void {
    const ws = c.socket;
    this.clearSocket(c);
    if (ws && ws.readyState === ws.OPEN) ws.close(code, reason);
    else ws?.terminate();
  }

  private remove(c: Channel, code: number, reason: string): void {
    this.detach(c, code, reason);
    for (const t of c.topics) this.byTopic.get(t)?.delete(c);
    this.channels.delete(c.id);
  }

  /** Sends an event to every socket of a channel subscribed to the topic; returns how many got it. */
  publish(topicName: string, eventBody: unknown): number {
    this.stats.published++;
    const subscribers = this.byTopic.get(topicName);
    if (!subscribers || subscribers.size === 0) return 0;
    const text = JSON.stringify({
      topicName,
      version: '2',
      eventBody,
      metadata: { CorrelationId: randomUUID() },
    });
    let sent = 0;
    for (const c of subscribers) {
      if (c.socket && c.socket.readyState === c.socket.OPEN) {
        c.socket.send(text);
        sent++;
      } else this.stats.undelivered++;
    }
    this.stats.delivered += sent;
    return sent;
  }

  /**
   * `v2.system.socket_closing` on the chosen sockets (all without a channel id), each closed
   * socketClosingGraceMs later with 1001; the channels stay, so a client reconnects to the same
   * connectUri. Returns how many sockets were told.
   */
  socketClosing(channelId?: string): number {
    let told = 0;
    for (const c of this.channels.values()) {
      if ((channelId && c.id !== channelId) || !c.socket || c.closing) continue;
      const ws = c.socket;
      ws.send(
        JSON.stringify({
          topicName: 'v2.system.socket_closing',
          version: '2',
          eventBody: {
            channelId: c.id,
            systemTopicType: 'socket_closing',
            correlationId: randomUUID(),
            oauthClientId: c.clientId,
            reason: 'service maintenance',
            message: 'This WebSocket will close soon: connect again to the same connectUri',
          },
          metadata: { CorrelationId: randomUUID() },
        }),
      );
      c.closing = setTimeout(() => {
        if (c.socket === ws) this.detach(c, 1001, 'Going away');
      }, this.settings().socketClosingGraceMs);
      c.closing.unref();
      this.stats.socketClosings++;
      told++;
    }
    return told;
  }

  /** Drops the chosen sockets without a close frame, as a network failure does. */
  dropSockets(channelId?: string): number {
    let dropped = 0;
    for (const c of this.channels.values()) {
      if ((channelId && c.id !== channelId) || !c.socket) continue;
      const ws = c.socket;
      this.clearSocket(c);
      ws.terminate();
      dropped++;
    }
    return dropped;
  }

  /** Ends the channels whose lifetime has passed on the virtual clock: socket closed, channel gone. */
  tick(): void {
    const now = this.clock.now();
    for (const c of [...this.channels.values()]) {
      if (c.expiresAt > now) continue;
      this.remove(c, 1000, 'channel expired: create a new channel and subscribe again');
      this.stats.expired++;
    }
  }

  describe(): Record<string, unknown> {
    return {
      heartbeats: this.heartbeats,
      stats: this.stats,
      channels: [...this.channels.values()].map((c) => ({
        id: c.id,
        clientId: c.clientId,
        connected: !!c.socket,
        topics: c.topics.size,
        expires: new Date(c.expiresAt).toISOString(),
      })),
    };
  }

  close(): void {
    for (const c of [...this.channels.values()]) this.remove(c, 1001, 'Going away');
    this.wss.close();
  }
}
