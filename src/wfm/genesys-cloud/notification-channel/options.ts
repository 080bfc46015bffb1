import type { Logger } from 'pino';
import type { Clock } from '../../../time/clock.js';
import { NotificationChannelsOptionError } from './errors.js';
import { GENESYS_CHANNEL_LIMITS } from './limits.js';

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

export const DEFAULT_NOTIFICATION_CHANNELS_OPTIONS = {
  /** two heartbeats and a half, milliseconds */
  heartbeatTimeoutMs: 75_000,
  reconnectBaseMs: 500,
  reconnectCapMs: 30_000,
  renewBeforeExpiryMs: 3_600_000,
} as const;

export interface Settings {
  heartbeatTimeoutMs: number;
  reconnectBaseMs: number;
  reconnectCapMs: number;
  renewBeforeExpiryMs: number;
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new NotificationChannelsOptionError(
      `${name} must be a positive number of milliseconds, got ${value}`,
    );
  return value;
}

export function settingsFrom(o: NotificationChannelsOptions): Settings {
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
