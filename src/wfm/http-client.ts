import type { Logger } from 'pino';
import { Agent, type Dispatcher } from 'undici';
import type { z } from 'zod';
import { type Clock, systemClock } from '../time/clock.js';
import { waitAccount } from '../time/wait-account.js';
import type { ReadOptions, ShiftQuery, WfmAdapter, WriteOptions } from './adapter.js';
import { type AuthProvider, StaticTokenAuth } from './auth.js';
import {
  AgentPage,
  BulkSwapResponse,
  Shift,
  ShiftPage,
  type ShiftPatch,
  type SwapItem,
  type SwapResult,
  type Agent as WfmAgent,
} from './contract.js';
import {
  errorFromAnswer,
  errorFromTransport,
  parseRetryAfter,
  WfmAuthRejectedError,
  WfmBadResponseError,
  WfmClientOptionError,
  WfmError,
  type WfmRequestInfo,
} from './errors.js';
import { OAuthClientCredentials, type OAuthClientCredentialsOptions } from './oauth-token.js';
import { SecretRedactor } from './redact.js';

/** Clock drift below this during one request is ordinary; above it, the clock jumped. */
const CLOCK_JUMP_TOLERANCE_MS = 1_000;

/** A gate every request passes first: the client-side rate limiter (writer/rate-limiter.ts). */
export interface RequestGate {
  acquire(signal?: AbortSignal): Promise<void>;
  /** the server answered 429: hold everyone back for `retryAfterMs` */
  rateLimited?(retryAfterMs: number | undefined): void;
}

/** One finished request, for metrics and benchmarks. */
export interface WfmRequestEvent {
  /** the contract's routes; another backend labels its own (`genesys api POST …/update`) */
  route: WfmRoute | (string & {});
  method: string;
  status: number | undefined;
  /** why it failed: the contract's errorCode for an error answer (VERSION_CONFLICT …), the WfmError code for a transport failure (TR_ERR_WFM_TIMEOUT …) */
  code?: string;
  durationMs: number;
  idempotencyKey?: string;
  replayed: boolean;
}

export type WfmRoute =
  | 'list-shifts'
  | 'get-shift'
  | 'patch-shift'
  | 'swap-shifts'
  | 'list-agents'
  | 'oauth-token';

export interface WfmTimeouts {
  /** TCP (and TLS) connect, milliseconds */
  connectMs: number;
  /** from request sent to response headers, milliseconds */
  headersMs: number;
  /** between body chunks, milliseconds */
  bodyMs: number;
}

export interface WfmHttpClientOptions {
  /** the API root, e.g. https://wfm.example.com/wfm/api/v2 */
  baseUrl: string;
  /** a static bearer token … */
  token?: string;
  /** … or OAuth2 client credentials */
  oauth?: OAuthClientCredentialsOptions;
  timeouts?: Partial<WfmTimeouts>;
  /** keep-alive sockets per origin */
  connections?: number;
  /** how long an idle socket is kept, milliseconds */
  keepAliveMs?: number;
  /** page size asked for when listing */
  pageSize?: number;
  logger?: Pick<Logger, 'debug'>;
  clock?: Clock;
  gate?: RequestGate;
  onRequest?: (event: WfmRequestEvent) => void;
  /** tests only: undici MockAgent; otherwise the client owns one pooled keep-alive Agent */
  dispatcher?: Dispatcher;
}

export const DEFAULT_WFM_CLIENT_OPTIONS = {
  timeouts: { connectMs: 5_000, headersMs: 15_000, bodyMs: 15_000 } satisfies WfmTimeouts,
  connections: 16,
  keepAliveMs: 30_000,
  pageSize: 200,
} as const;

interface Call<T> {
  route: WfmRoute;
  method: 'GET' | 'PATCH' | 'POST';
  path: string;
  body?: unknown;
  idempotencyKey?: string;
  schema: z.ZodType<T>;
  signal?: AbortSignal;
}

/** The seed-contract WFM over HTTP: the first WfmAdapter. Every answer is validated with zod. */
export class WfmHttpClient implements WfmAdapter {
  readonly #auth: AuthProvider;
  readonly #redact: SecretRedactor;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #origin: string;
  readonly #basePath: string;
  readonly #timeouts: WfmTimeouts;
  readonly #pageSize: number;
  readonly #clock: Clock;
  readonly #logger: Pick<Logger, 'debug'> | undefined;
  readonly #gate: RequestGate | undefined;
  readonly #onRequest: ((e: WfmRequestEvent) => void) | undefined;

  constructor(options: WfmHttpClientOptions) {
    const base = checkOptions(options);
    this.#origin = base.origin;
    this.#basePath = base.pathname.replace(/\/+$/, '');
    this.#timeouts = { ...DEFAULT_WFM_CLIENT_OPTIONS.timeouts, ...options.timeouts };
    this.#pageSize = options.pageSize ?? DEFAULT_WFM_CLIENT_OPTIONS.pageSize;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger;
    this.#gate = options.gate;
    this.#onRequest = options.onRequest;
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#dispatcher =
      options.dispatcher ??
      new Agent({
        connections: options.connections ?? DEFAULT_WFM_CLIENT_OPTIONS.connections,
        keepAliveTimeout: options.keepAliveMs ?? DEFAULT_WFM_CLIENT_OPTIONS.keepAliveMs,
        connect: { timeout: this.#timeouts.connectMs },
        headersTimeout: this.#timeouts.headersMs,
        bodyTimeout: this.#timeouts.bodyMs,
      });
    this.#auth = options.oauth
      ? new OAuthClientCredentials(
          options.oauth.tokenUrl ?? `${base.origin}${this.#basePath}/oauth/token`,
          options.oauth,
          (url, form) => this.#token(url, form),
          this.#clock,
        )
      : new StaticTokenAuth(options.token!);
    this.#redact = new SecretRedactor(() => this.#auth.secrets());
  }

  async listShifts(query: ShiftQuery, options: ReadOptions = {}): Promise<Shift[]> {
    const params = new URLSearchParams();
    for (const name of ['teamId', 'agentId', 'from', 'to'] as const) {
      const v = query[name];
      if (v !== undefined) params.set(name, v);
    }
    return this.#pages('list-shifts', '/schedules/shifts', params, ShiftPage, options.signal);
  }

  async listAgents(query: { teamId?: string }, options: ReadOptions = {}): Promise<WfmAgent[]> {
    const params = new URLSearchParams();
    if (query.teamId !== undefined) params.set('teamId', query.teamId);
    return this.#pages('list-agents', '/agents', params, AgentPage, options.signal);
  }

  async getShift(shiftId: string, signal?: AbortSignal): Promise<Shift> {
    return this.#send({
      route: 'get-shift',
      method: 'GET',
      path: `/schedules/shifts/${encodeURIComponent(shiftId)}`,
      schema: Shift,
      ...(signal ? { signal } : {}),
    });
  }

  async patchShift(shiftId: string, patch: ShiftPatch, options: WriteOptions): Promise<Shift> {
    return this.#send({
      route: 'patch-shift',
      method: 'PATCH',
      path: `/schedules/shifts/${encodeURIComponent(shiftId)}`,
      body: patch,
      idempotencyKey: options.idempotencyKey,
      schema: Shift,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  async swapShifts(swaps: SwapItem[], options: WriteOptions): Promise<SwapResult[]> {
    const path = '/schedules/shifts/swaps';
    const { results } = await this.#send({
      route: 'swap-shifts',
      method: 'POST',
      path,
      body: { swaps },
      idempotencyKey: options.idempotencyKey,
      schema: BulkSwapResponse,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const asked = new Set(swaps.map((s) => s.swapId));
    const answered = new Set(results.map((r) => r.swapId));
    if (
      answered.size !== results.length ||
      asked.size !== answered.size ||
      [...asked].some((id) => !answered.has(id))
    ) {
      throw new WfmBadResponseError(
        `WFM POST ${this.#basePath}${path} answered ${results.length} results for ${swaps.length} swaps; expected exactly one per swapId`,
        { request: { method: 'POST', path: `${this.#basePath}${path}` } },
      );
    }
    return results;
  }

  /** Closes the pooled sockets (only the client's own agent). */
  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  async #pages<T>(
    route: WfmRoute,
    path: string,
    params: URLSearchParams,
    schema: z.ZodType<{ items: T[]; nextPageToken: string | null }>,
    signal: AbortSignal | undefined,
  ): Promise<T[]> {
    const items: T[] = [];
    const seen = new Set<string>();
    params.set('pageSize', String(this.#pageSize));
    for (;;) {
      // one signal for every page: abandoning the read stops the page in flight and the rest
      const page = await this.#send({
        route,
        method: 'GET',
        path: `${path}?${params}`,
        schema,
        ...(signal ? { signal } : {}),
      });
      items.push(...page.items);
      const next = page.nextPageToken;
      if (next === null) return items;
      if (seen.has(next)) {
        throw new WfmBadResponseError(`WFM GET ${this.#basePath}${path} repeated page token '${next}'`, {
          request: { method: 'GET', path: `${this.#basePath}${path}` },
        });
      }
      seen.add(next);
      params.set('pageToken', next);
    }
  }

  async #send<T>(call: Call<T>): Promise<T> {
    const request: WfmRequestInfo = { method: call.method, path: `${this.#basePath}${call.path}` };
    // One retry on 401 for OAuth: the token may have been revoked or expired early on the server's clock.
    for (let authTry = 0; ; authTry++) {
      await this.#gate?.acquire(call.signal);
      const authorization = await this.#auth.authorization();
      const headers: Record<string, string> = { authorization, accept: 'application/json' };
      if (call.body !== undefined) headers['content-type'] = 'application/json';
      if (call.idempotencyKey !== undefined) headers['idempotency-key'] = call.idempotencyKey;
      const answer = await this.#exchange(call, request, headers);
      if (answer.status === 401 && authTry === 0 && this.#auth.rejected(authorization)) continue;
      if (answer.status >= 400) {
        const retryAfterMs = parseRetryAfter(answer.headers['retry-after'], this.#clock.now());
        if (answer.status === 429) this.#gate?.rateLimited?.(retryAfterMs);
        throw this.#redact.error(
          errorFromAnswer({ status: answer.status, body: answer.body, retryAfterMs, request }),
        );
      }
      const parsed = call.schema.safeParse(answer.body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw this.#redact.error(
          new WfmBadResponseError(
            `WFM ${request.method} ${request.path} answered ${answer.status} with a body that does not match the contract: ${issue ? `${issue.path.join('.') || '(body)'}: ${issue.message}` : 'wrong shape'}`,
            { status: answer.status, request, cause: parsed.error },
          ),
        );
      }
      return parsed.data;
    }
  }

  /** One HTTP exchange; transport failures become WfmErrors, answers of any status are returned. */
  async #exchange(
    call: Pick<Call<unknown>, 'route' | 'method' | 'body' | 'idempotencyKey' | 'signal'>,
    request: WfmRequestInfo,
    headers: Record<string, string>,
    raw?: { origin: string; body: string },
  ): Promise<{ status: number; headers: Record<string, string | undefined>; body: unknown }> {
    const started = performance.now();
    const clockStarted = this.#clock.now();
    let status: number | undefined;
    let replayed = false;
    let code: string | undefined;
    try {
      const res = await this.#dispatcher.request({
        origin: raw?.origin ?? this.#origin,
        path: request.path,
        method: call.method,
        headers,
        ...(raw ? { body: raw.body } : call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
        ...(call.signal ? { signal: call.signal } : {}),
        headersTimeout: this.#timeouts.headersMs,
        bodyTimeout: this.#timeouts.bodyMs,
      });
      status = res.statusCode;
      const text = await res.body.text();
      const resHeaders = flatten(res.headers);
      replayed = resHeaders['idempotency-replayed'] === 'true';
      let body: unknown = text;
      if (text.length > 0) {
        try {
          body = JSON.parse(text);
        } catch (err) {
          if (status < 400) {
            throw new WfmBadResponseError(
              `WFM ${request.method} ${request.path} answered ${status} with a body that is not JSON`,
              {
                status,
                request,
                cause: err,
              },
            );
          }
        }
      }
      const errorCode = (body as { errorCode?: unknown } | null)?.errorCode;
      if (status >= 400 && typeof errorCode === 'string') code = errorCode;
      return { status, headers: resHeaders, body };
    } catch (err) {
      // The caller gave up (shutdown, a deadline): not a WFM failure, its reason goes back untouched.
      const mapped = call.signal?.aborted
        ? call.signal.reason
        : err instanceof WfmError
          ? err
          : errorFromTransport(err, request, this.#timeouts);
      code = mapped instanceof WfmError ? mapped.code : call.signal?.aborted ? 'ABORTED' : 'UNEXPECTED';
      throw this.#redact.error(mapped);
    } finally {
      const realMs = performance.now() - started;
      // The clock moved further than real time while the request was out (a suspended VM,
      // a test's clock jump): that gap is no effort of the caller's, credit it back.
      const jumpedMs = this.#clock.now() - clockStarted - realMs;
      if (jumpedMs > CLOCK_JUMP_TOLERANCE_MS) waitAccount.getStore()?.(jumpedMs);
      const durationMs = Math.round(realMs * 10) / 10;
      const event: WfmRequestEvent = {
        route: call.route,
        method: call.method,
        status,
        durationMs,
        replayed,
        ...(code !== undefined ? { code } : {}),
        ...(call.idempotencyKey !== undefined ? { idempotencyKey: call.idempotencyKey } : {}),
      };
      this.#onRequest?.(event);
      this.#logger?.debug({ wfm: { ...event, path: this.#redact.text(request.path) } }, 'wfm request');
    }
  }

  /** The token endpoint: form body, no bearer header, and a 4xx means the credentials were refused. */
  async #token(url: string, form: string): Promise<unknown> {
    const target = new URL(url);
    const request: WfmRequestInfo = { method: 'POST', path: target.pathname + target.search };
    const answer = await this.#exchange(
      { route: 'oauth-token', method: 'POST' },
      request,
      { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      { origin: target.origin, body: form },
    );
    if (answer.status >= 400 && answer.status < 500) {
      throw this.#redact.error(
        new WfmAuthRejectedError(
          `the token endpoint ${target.origin}${target.pathname} refused the client credentials (${answer.status}); check oauth.clientId and oauth.clientSecret`,
          { status: answer.status, request },
        ),
      );
    }
    if (answer.status >= 400) {
      throw this.#redact.error(
        errorFromAnswer({ status: answer.status, body: answer.body, retryAfterMs: undefined, request }),
      );
    }
    return answer.body;
  }
}

function flatten(headers: Record<string, string | string[] | undefined>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/** Constructor checks, one rule per message (undici style). Returns the parsed base URL. */
function checkOptions(o: WfmHttpClientOptions): URL {
  let base: URL;
  try {
    base = new URL(o.baseUrl);
  } catch {
    throw new WfmClientOptionError(
      `baseUrl must be an absolute URL like https://wfm.example.com/wfm/api/v2, got '${o.baseUrl}'`,
    );
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:') {
    throw new WfmClientOptionError(`baseUrl must use http or https, got '${base.protocol}'`);
  }
  if (base.username || base.password) {
    throw new WfmClientOptionError('baseUrl must not carry credentials; use token or oauth');
  }
  if ((o.token === undefined) === (o.oauth === undefined)) {
    throw new WfmClientOptionError(
      'set exactly one of token (a static bearer token) or oauth (client credentials)',
    );
  }
  if (o.token !== undefined && o.token.trim() === '')
    throw new WfmClientOptionError('token must not be empty');
  if (o.oauth && !o.oauth.clientId) throw new WfmClientOptionError('oauth.clientId must not be empty');
  if (o.oauth && !o.oauth.clientSecret)
    throw new WfmClientOptionError('oauth.clientSecret must not be empty');
  if (o.oauth?.tokenUrl !== undefined && !URL.canParse(o.oauth.tokenUrl)) {
    throw new WfmClientOptionError(`oauth.tokenUrl must be an absolute URL, got '${o.oauth.tokenUrl}'`);
  }
  for (const [name, v] of Object.entries(o.timeouts ?? {})) {
    if (!(typeof v === 'number' && Number.isFinite(v) && v > 0)) {
      throw new WfmClientOptionError(
        `timeouts.${name} must be a positive number of milliseconds, got ${String(v)}`,
      );
    }
  }
  for (const name of ['connections', 'pageSize'] as const) {
    const v = o[name];
    if (v !== undefined && !(Number.isInteger(v) && v > 0)) {
      throw new WfmClientOptionError(`${name} must be a positive whole number, got ${String(v)}`);
    }
  }
  return base;
}
