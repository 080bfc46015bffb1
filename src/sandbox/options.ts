import type { PublishWindow } from '../time/publish-window.js';
import { DEFAULT_PUBLISH_WINDOW } from '../time/publish-window.js';
import type { ScheduleSnapshot } from '../wfm/snapshot.js';
import type { UnreadableBody } from './unreadable-answer.js';

/** Fault injection; every share is 0..1 and applies per request to /wfm/api/v2 (never /_sandbox). */
export interface SandboxFaults {
  /** added latency per request, milliseconds: uniform in [latencyMs, latencyMs + latencyJitterMs] */
  latencyMs: number;
  latencyJitterMs: number;
  /** share of requests answered 500 or 503 (half each) before doing anything */
  errorRate: number;
  /** share of write requests that are applied and then answered 500 (the client can't know it landed) */
  errorAfterWriteRate: number;
  /** share of requests whose connection is reset without an answer */
  resetRate: number;
  /** share of write requests that are applied and then answered 200 with a body the client cannot read */
  unreadableAfterWriteRate: number;
  /** share of write requests answered 200 with a body the client cannot read, without being applied (a proxy answering for the WFM) */
  unreadableWithoutWriteRate: number;
  /** the body of those unreadable answers */
  unreadableBody: UnreadableBody;
  /** "other integration": random shift changes per second (bumps versions, never overlaps) */
  mutatorPerSecond: number;
  /**
   * "other integration" racing the clients: for this share of the shifts (chosen by the seed and
   * the shift's id, whatever the order of requests) its change lands just before a client's first
   * write to the shift, outside a locked week — that write, based on the version the client read,
   * meets VERSION_CONFLICT, as when another writer gets in between a read and a write
   */
  mutatorBeforeWriteShare: number;
  /** seed for the fault RNG, so runs repeat */
  seed: number;
}

export const DEFAULT_FAULTS: SandboxFaults = {
  latencyMs: 0,
  latencyJitterMs: 0,
  errorRate: 0,
  errorAfterWriteRate: 0,
  resetRate: 0,
  unreadableAfterWriteRate: 0,
  unreadableWithoutWriteRate: 0,
  unreadableBody: 'wrong-shape',
  mutatorPerSecond: 0,
  mutatorBeforeWriteShare: 0,
  seed: 1,
};

export interface SandboxBehaviour {
  /** while a publish window is open, writes to the published week get 409 SCHEDULE_LOCKED; false lets them through (only version races then) */
  publishLock: boolean;
  /** which schedule week the publish job publishes, relative to the week containing the window's opening: 0 = that week */
  publishedWeekOffset: number;
  /** answer every 409 with the bare SCHEDULE_CONFLICT code and no details, as a less helpful real WFM may */
  opaqueConflicts: boolean;
  /** send Retry-After with 409 SCHEDULE_LOCKED (until the window closes); false: the lock's answer gives no hint of its end */
  lockRetryAfter: boolean;
  /** token bucket per client: sustained requests per minute; burst = bucket size */
  rateLimitPerMinute: number;
  rateLimitBurst: number;
  maxShiftHours: number;
  gridMinutes: number;
  /** idempotency keys are kept this long (virtual clock) */
  idempotencyTtlHours: number;
  /** how long a request holding an idempotency key stays "in flight" at least (ms); tests use it to provoke 409 in-flight */
  minInFlightMs: number;
  maxBodyBytes: number;
  pageSizeMax: number;
}

export const DEFAULT_BEHAVIOUR: SandboxBehaviour = {
  publishLock: true,
  publishedWeekOffset: 0,
  opaqueConflicts: false,
  lockRetryAfter: true,
  rateLimitPerMinute: 300,
  rateLimitBurst: 300,
  maxShiftHours: 12,
  gridMinutes: 15,
  idempotencyTtlHours: 24,
  minInFlightMs: 0,
  maxBodyBytes: 1_048_576,
  pageSizeMax: 500,
};

export interface SandboxOptions {
  port?: number;
  host?: string;
  /** initial schedule; default: the built-in APAC demo schedule */
  snapshot?: ScheduleSnapshot;
  /** file to load state from at start and save to on change / close */
  dataFile?: string;
  /** virtual clock start (epoch ms). Omitted: real time. Set: the clock starts there and runs at real speed unless frozen */
  clockStart?: number;
  clockFrozen?: boolean;
  publishWindow?: PublishWindow;
  behaviour?: Partial<SandboxBehaviour>;
  faults?: Partial<SandboxFaults>;
  /** static bearer tokens accepted; each is its own rate-limit client */
  tokens?: string[];
  /** OAuth2 client-credentials clients */
  clients?: Array<{ id: string; secret: string }>;
  /** access token lifetime for OAuth2, seconds */
  tokenTtlSeconds?: number;
}

export const DEFAULT_TOKENS = ['sandbox-token'];
export const DEFAULT_CLIENTS = [{ id: 'trunk-reactor', secret: 'sandbox-secret' }];
export { DEFAULT_PUBLISH_WINDOW };
