import type { Logger } from 'pino';
import { Agent, type Dispatcher } from 'undici';
import { type Clock, systemClock } from '../../time/clock.js';
import type { AuthProvider } from '../auth.js';
import {
  errorFromTransport,
  parseRetryAfter,
  WfmAuthRejectedError,
  WfmBadResponseError,
  WfmError,
  type WfmErrorInit,
  WfmNotFoundError,
  WfmRateLimitedError,
  type WfmRequestInfo,
  WfmRequestRejectedError,
  WfmServerError,
  WfmUnauthorizedError,
  WfmValidationError,
} from '../errors.js';
import type { RequestGate } from '../http-client.js';
import { SecretRedactor } from '../redact.js';

/**
 * HTTP to Genesys Cloud: the API host (bearer token, Genesys' ErrorBody), the login host
 * (client credentials with HTTP Basic), and the signed storage URLs (no token at all).
 *
 * Every API request passes the shared budget gate first: Genesys limits each token to 300
 * requests a minute, and every instance holding the same client id shares that token's
 * budget. A 429 holds the gate back for its Retry-After and the request goes again (a few
 * times); a 401 drops the token and the request goes once more with a new one.
 */
export interface GenesysHttpOptions {
  apiBaseUrl: string;
  loginBaseUrl: string;
  clientId: string;
  clientSecret: string;
  clock?: Clock;
  gate?: RequestGate;
  logger?: Pick<Logger, 'debug'>;
  timeouts?: Partial<{ connectMs: number; headersMs: number; bodyMs: number }>;
  /** 429s answered to one request before it fails with WfmRateLimitedError */
  maxRateLimitedRetries?: number;
  /** every finished exchange, for metrics and benchmarks */
  onRequest?: (event: GenesysRequestEvent) => void;
}

export type GenesysHost = 'api' | 'login' | 'storage';

export interface GenesysRequestEvent {
  host: GenesysHost;
  method: string;
  /** the path with ids replaced by `{id}`: a stable label */
  route: string;
  status: number | undefined;
  code?: string;
  durationMs: number;
}

export interface ApiCall {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD' | 'PATCH';
  /** below the origin, starting /api/v2/ */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  signal?: AbortSignal;
}

const DEFAULT_TIMEOUTS = { connectMs: 5_000, headersMs: 30_000, bodyMs: 30_000 };

/** Genesys' platform-wide error codes, mapped to the project's error classes. */
function genesysError(status: number, body: unknown, init: WfmErrorInit, what: string): WfmError {
  const code = typeof (body as { code?: unknown })?.code === 'string' ? (body as { code: string }).code : '';
  const full = { ...init, status, ...(code ? { errorCode: code } : {}) };
  if (status === 401) return new WfmUnauthorizedError(`${what}; check the OAuth client id and secret`, full);
  if (status === 403)
    return new WfmRequestRejectedError(
      `${what}; grant the OAuth client's role the permissions named (docs/wfm-genesys-cloud.md lists them)`,
      full,
    );
  if (status === 404) return new WfmNotFoundError(what, full);
  if (status === 429) return new WfmRateLimitedError(what, full);
  if (status >= 500) return new WfmServerError(what, full);
  if (status === 400 || status === 413 || status === 415) return new WfmValidationError(what, full);
  return new WfmRequestRejectedError(what, full);
}

export class GenesysHttp {
  readonly #api: URL;
  readonly #login: URL;
  readonly #dispatcher: Dispatcher;
  readonly #timeouts: typeof DEFAULT_TIMEOUTS;
  readonly #clock: Clock;
  readonly #gate: RequestGate | undefined;
  readonly #logger: Pick<Logger, 'debug'> | undefined;
  readonly #onRequest: ((e: GenesysRequestEvent) => void) | undefined;
  readonly #maxRateLimited: number;
  readonly auth: GenesysLogin;
  readonly #redact: SecretRedactor;
  /** API requests sent (the ones the 300-a-minute budget counts), by host */
  readonly calls: Record<GenesysHost, number> = { api: 0, login: 0, storage: 0 };

  constructor(o: GenesysHttpOptions) {
    this.#api = new URL(o.apiBaseUrl);
    this.#login = new URL(o.loginBaseUrl);
    this.#timeouts = { ...DEFAULT_TIMEOUTS, ...o.timeouts };
    this.#clock = o.clock ?? systemClock;
    this.#gate = o.gate;
    this.#logger = o.logger;
    this.#onRequest = o.onRequest;
    this.#maxRateLimited = o.maxRateLimitedRetries ?? 6;
    this.#dispatcher = new Agent({
      connections: 16,
      keepAliveTimeout: 30_000,
      connect: { timeout: this.#timeouts.connectMs },
      headersTimeout: this.#timeouts.headersMs,
      bodyTimeout: this.#timeouts.bodyMs,
    });
    this.auth = new GenesysLogin(o.clientId, o.clientSecret, this.#clock, (form, basic) =>
      this.#token(form, basic),
    );
    this.#redact = new SecretRedactor(() => this.auth.secrets());
  }

  get apiOrigin(): string {
    return this.#api.origin;
  }

  /**
   * One API call: gated, authorized, retried on 429 (after Retry-After) and once on 401.
   * Resolves the parsed JSON (undefined for an empty body); throws a WfmError otherwise.
   */
  async api<T = unknown>(call: ApiCall): Promise<T> {
    let rateLimited = 0;
    let unauthorized = 0;
    const path = pathWithQuery(call.path, call.query);
    const request: WfmRequestInfo = { method: call.method, path };
    for (;;) {
      await this.#gate?.acquire(call.signal);
      const header = await this.auth.authorization();
      const answer = await this.#exchange('api', this.#api.origin, request, {
        headers: {
          authorization: header,
          accept: 'application/json',
          ...(call.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
        ...(call.signal ? { signal: call.signal } : {}),
      });
      if (answer.status < 300) return answer.body as T;
      const retryAfterMs = parseRetryAfter(answer.headers['retry-after'], this.#clock.now());
      if (answer.status === 429) {
        this.#gate?.rateLimited?.(retryAfterMs);
        if (++rateLimited <= this.#maxRateLimited) {
          // The gate holds every request back for Retry-After; without a gate, wait here.
          if (!this.#gate) await this.#clock.sleep(retryAfterMs ?? 1_000, call.signal);
          continue;
        }
      }
      if (answer.status === 401 && unauthorized++ === 0) {
        this.auth.rejected(header);
        continue;
      }
      throw this.#redact.error(this.#answerError(answer, request, retryAfterMs));
    }
  }

  /** A signed storage URL (upload PUT, download GET): no token, not counted against the API budget. */
  async storage(
    method: 'GET' | 'PUT',
    url: string,
    init: { headers?: Record<string, string>; body?: Uint8Array; signal?: AbortSignal } = {},
  ): Promise<{ status: number; body: unknown; text: string }> {
    const target = new URL(url);
    const request: WfmRequestInfo = { method, path: target.pathname };
    const answer = await this.#exchange('storage', target.origin, request, {
      path: target.pathname + target.search,
      headers: { ...init.headers },
      ...(init.body ? { body: init.body } : {}),
      ...(init.signal ? { signal: init.signal } : {}),
    });
    return { status: answer.status, body: answer.body, text: answer.text };
  }

  async close(): Promise<void> {
    await this.#dispatcher.close();
  }

  /** Scrubs every secret this client knows from a text (for logs a caller writes). */
  redact(text: string): string {
    return this.#redact.text(text);
  }

  #answerError(
    answer: { status: number; body: unknown },
    request: WfmRequestInfo,
    retryAfterMs: number | undefined,
  ): WfmError {
    const message = (answer.body as { message?: unknown } | null)?.message;
    const code = (answer.body as { code?: unknown } | null)?.code;
    const what = `Genesys Cloud ${request.method} ${request.path} answered ${answer.status}${typeof code === 'string' ? ` ${code}` : ''}${typeof message === 'string' ? `: ${message}` : ''}`;
    return genesysError(
      answer.status,
      answer.body,
      { request, details: answer.body, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) },
      what,
    );
  }

  /** The login host's token endpoint: HTTP Basic with the client's id and secret, a form body. */
  async #token(form: string, basic: string): Promise<unknown> {
    const request: WfmRequestInfo = { method: 'POST', path: '/oauth/token' };
    const answer = await this.#exchange('login', this.#login.origin, request, {
      headers: {
        authorization: basic,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: form,
    });
    if (answer.status >= 400 && answer.status < 500) {
      throw this.#redact.error(
        new WfmAuthRejectedError(
          `the Genesys Cloud login host ${this.#login.origin} refused the client credentials (${answer.status}); check clientId and clientSecret, and that the OAuth client uses the Client Credentials grant`,
          { status: answer.status, request },
        ),
      );
    }
    if (answer.status >= 300) throw this.#redact.error(this.#answerError(answer, request, undefined));
    return answer.body;
  }

  async #exchange(
    host: GenesysHost,
    origin: string,
    request: WfmRequestInfo,
    init: {
      path?: string;
      headers: Record<string, string>;
      body?: string | Uint8Array;
      signal?: AbortSignal;
    },
  ): Promise<{ status: number; headers: Record<string, string | undefined>; body: unknown; text: string }> {
    const started = performance.now();
    let status: number | undefined;
    let code: string | undefined;
    this.calls[host]++;
    try {
      const res = await this.#dispatcher.request({
        origin,
        path: init.path ?? request.path,
        method: request.method as Dispatcher.HttpMethod,
        headers: init.headers,
        ...(init.body !== undefined ? { body: init.body } : {}),
        ...(init.signal ? { signal: init.signal } : {}),
      });
      status = res.statusCode;
      const text = await res.body.text();
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(res.headers))
        headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
      let body: unknown = text.length > 0 ? text : undefined;
      const type = headers['content-type'] ?? '';
      if (text.length > 0 && (type.includes('json') || /^[[{]/.test(text))) {
        try {
          body = JSON.parse(text);
        } catch (err) {
          if (status < 300)
            throw new WfmBadResponseError(
              `Genesys Cloud ${request.method} ${request.path} answered ${status} with a body that is not JSON`,
              { status, request, cause: err },
            );
        }
      }
      const c = (body as { code?: unknown } | null)?.code;
      if (status >= 400 && typeof c === 'string') code = c;
      return { status, headers, body, text };
    } catch (err) {
      const mapped = init.signal?.aborted
        ? init.signal.reason
        : err instanceof WfmError
          ? err
          : errorFromTransport(err, request, this.#timeouts, 'Genesys Cloud');
      code = mapped instanceof WfmError ? mapped.code : 'ABORTED';
      throw this.#redact.error(mapped);
    } finally {
      const event: GenesysRequestEvent = {
        host,
        method: request.method,
        route: routeLabel(request.path),
        status,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
        ...(code !== undefined ? { code } : {}),
      };
      this.#onRequest?.(event);
      this.#logger?.debug({ genesys: event }, 'genesys cloud request');
    }
  }
}

/** The Genesys OAuth client-credentials grant: Basic auth, token reused until shortly before it expires. */
export class GenesysLogin implements AuthProvider {
  readonly #basic: string;
  readonly #secret: string;
  #token: { header: string; value: string; refreshAt: number } | undefined;
  #pending: Promise<string> | undefined;
  /** tokens fetched so far */
  issued = 0;

  constructor(
    clientId: string,
    clientSecret: string,
    private readonly clock: Clock,
    private readonly request: (form: string, basic: string) => Promise<unknown>,
  ) {
    this.#secret = clientSecret;
    this.#basic = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
  }

  async authorization(): Promise<string> {
    const t = this.#token;
    if (t && this.clock.now() < t.refreshAt) return t.header;
    this.#pending ??= this.#fetch().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  rejected(header: string): boolean {
    if (this.#token?.header === header) this.#token = undefined;
    return true;
  }

  secrets(): string[] {
    const out = [this.#secret, this.#basic.slice(6)];
    if (this.#token) out.push(this.#token.value);
    return out;
  }

  async #fetch(): Promise<string> {
    const asked = this.clock.now();
    const raw = (await this.request('grant_type=client_credentials', this.#basic)) as {
      access_token?: unknown;
      expires_in?: unknown;
    };
    if (typeof raw?.access_token !== 'string' || typeof raw.expires_in !== 'number') {
      throw new WfmBadResponseError(
        'the Genesys Cloud login host answered without access_token and expires_in',
        { request: { method: 'POST', path: '/oauth/token' } },
      );
    }
    const lifetimeMs = raw.expires_in * 1000;
    this.issued++;
    this.#token = {
      value: raw.access_token,
      header: `Bearer ${raw.access_token}`,
      refreshAt: asked + lifetimeMs - Math.min(10 * 60_000, lifetimeMs * 0.1),
    };
    return this.#token.header;
  }
}

function pathWithQuery(path: string, query: ApiCall['query']): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) params.set(k, String(v));
  const q = params.toString();
  return q ? `${path}?${q}` : path;
}

/** `/api/v2/workforcemanagement/businessunits/bu-1/weeks/2026-11-22/schedules` → ids as `{id}`. */
export function routeLabel(path: string): string {
  const bare = path.split('?')[0]!;
  const parts = bare.split('/');
  const fixed = new Set([
    'api',
    'v2',
    'workforcemanagement',
    'businessunits',
    'managementunits',
    'weeks',
    'schedules',
    'agentschedules',
    'query',
    'update',
    'uploadurl',
    'activitycodes',
    'users',
    'scheduling',
    'runs',
    'notifications',
    'channels',
    'subscriptions',
    'teams',
    'members',
    'oauth',
    'token',
    'authorization',
    'roles',
    'clients',
    'tokens',
    'me',
    'subjects',
  ]);
  return parts.map((p) => (p === '' || fixed.has(p) ? p : '{id}')).join('/');
}
