import { Shift } from './contract.js';

/**
 * One error class per way a WFM call can fail, each with a stable `code` that callers
 * branch on (never on message text), a `retriable` flag, the HTTP `status` when there
 * was an answer, `retryAfterMs` when the server asked for a pause, and the `cause`.
 *
 * `retriable` means "the same request may succeed later without a change of plan":
 * true for 5xx, timeouts, resets, 429, a lock and a key still in flight; a stale version
 * is retriable only after re-basing the write, which is the writer's job.
 */
export interface WfmRequestInfo {
  method: string;
  /** path below the origin, with query; never carries credentials */
  path: string;
}

export interface WfmErrorInit {
  status?: number;
  /** the contract's `errorCode`, when the server sent one */
  errorCode?: string;
  details?: unknown;
  retryAfterMs?: number;
  request?: WfmRequestInfo;
  cause?: unknown;
}

export abstract class WfmError extends Error {
  abstract readonly code: string;
  abstract readonly retriable: boolean;
  readonly status: number | undefined;
  readonly errorCode: string | undefined;
  readonly details: unknown;
  readonly retryAfterMs: number | undefined;
  readonly request: WfmRequestInfo | undefined;

  constructor(message: string, init: WfmErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.status = init.status;
    this.errorCode = init.errorCode;
    this.details = init.details;
    this.retryAfterMs = init.retryAfterMs;
    this.request = init.request;
  }
}

function detail(details: unknown, name: string): unknown {
  return details !== null && typeof details === 'object'
    ? (details as Record<string, unknown>)[name]
    : undefined;
}

function detailString(details: unknown, name: string): string | undefined {
  const v = detail(details, name);
  return typeof v === 'string' ? v : undefined;
}

/** 409 VERSION_CONFLICT: the write was based on an old version. Carries the current shift when the server sent it. */
export class WfmVersionConflictError extends WfmError {
  readonly code = 'TR_ERR_WFM_VERSION_CONFLICT';
  readonly retriable = true;
  readonly currentVersion: number | undefined;
  readonly currentShift: Shift | undefined;
  /**
   * The conflict was found while settling a write whose answer never came (a backend without
   * idempotency keys): the version may have moved through that very write. A writer that then
   * finds its target state true counts the adjustment applied, not already-applied.
   */
  readonly mayHaveLanded: boolean;
  constructor(message: string, init: WfmErrorInit = {}) {
    super(message, init);
    this.mayHaveLanded = detail(init.details, 'mayHaveLanded') === true;
    const v = detail(init.details, 'currentVersion');
    this.currentVersion = typeof v === 'number' ? v : undefined;
    const parsed = Shift.safeParse(detail(init.details, 'shift'));
    this.currentShift = parsed.success ? parsed.data : undefined;
  }
}

/** 409 SHIFT_OVERLAP: a true overlap; retrying the same intent cannot fix it. */
export class WfmShiftOverlapError extends WfmError {
  readonly code = 'TR_ERR_WFM_SHIFT_OVERLAP';
  readonly retriable = false;
  readonly agentId: string | undefined;
  readonly conflictingShiftId: string | undefined;
  constructor(message: string, init: WfmErrorInit = {}) {
    super(message, init);
    this.agentId = detailString(init.details, 'agentId');
    this.conflictingShiftId = detailString(init.details, 'conflictingShiftId');
  }
}

/** 409 SCHEDULE_LOCKED: the week is being published; writes resume after `retryAfterMs` / `lockedUntil`. */
export class WfmScheduleLockedError extends WfmError {
  readonly code = 'TR_ERR_WFM_SCHEDULE_LOCKED';
  readonly retriable = true;
  readonly week: string | undefined;
  readonly lockedUntil: string | undefined;
  constructor(message: string, init: WfmErrorInit = {}) {
    super(message, init);
    this.week = detailString(init.details, 'week');
    this.lockedUntil = detailString(init.details, 'lockedUntil');
  }
}

/**
 * 409 SCHEDULE_CONFLICT with nothing more: a stale version, a true overlap or a lock, the
 * server won't say which. Not retriable as is: the caller must re-read to find out.
 */
export class WfmScheduleConflictError extends WfmError {
  readonly code = 'TR_ERR_WFM_SCHEDULE_CONFLICT';
  readonly retriable = false;
}

/** 409 IDEMPOTENCY_KEY_IN_FLIGHT: the first request with this key is still running; retry with the same key. */
export class WfmIdempotencyKeyInFlightError extends WfmError {
  readonly code = 'TR_ERR_WFM_IDEMPOTENCY_KEY_IN_FLIGHT';
  readonly retriable = true;
}

/** 422 IDEMPOTENCY_KEY_REUSED: the key was used with another body. A bug upstream, never retried. */
export class WfmIdempotencyKeyReusedError extends WfmError {
  readonly code = 'TR_ERR_WFM_IDEMPOTENCY_KEY_REUSED';
  readonly retriable = false;
}

/** 400 VALIDATION_ERROR or MALFORMED_JSON: the request is wrong; `issues` says where. */
export class WfmValidationError extends WfmError {
  readonly code = 'TR_ERR_WFM_VALIDATION';
  readonly retriable = false;
  readonly issues: Array<{ path: string; message: string }>;
  constructor(message: string, init: WfmErrorInit = {}) {
    super(message, init);
    const raw = detail(init.details, 'issues');
    this.issues = Array.isArray(raw)
      ? raw.map((i) => ({
          path: String(detail(i, 'path') ?? ''),
          message: String(detail(i, 'message') ?? ''),
        }))
      : [];
  }
}

/** 401 on an API call: the token was refused (after one refresh, for OAuth). */
export class WfmUnauthorizedError extends WfmError {
  readonly code = 'TR_ERR_WFM_UNAUTHORIZED';
  readonly retriable = false;
}

/** The token endpoint refused the client credentials. */
export class WfmAuthRejectedError extends WfmError {
  readonly code = 'TR_ERR_WFM_AUTH_REJECTED';
  readonly retriable = false;
}

/** 404: the shift (or route) does not exist. */
export class WfmNotFoundError extends WfmError {
  readonly code = 'TR_ERR_WFM_NOT_FOUND';
  readonly retriable = false;
}

/** Any other 4xx the contract lists (405, 413, 415) or does not know. */
export class WfmRequestRejectedError extends WfmError {
  readonly code = 'TR_ERR_WFM_REQUEST_REJECTED';
  readonly retriable = false;
}

/** 429: over the server's rate limit; wait `retryAfterMs`. */
export class WfmRateLimitedError extends WfmError {
  readonly code = 'TR_ERR_WFM_RATE_LIMITED';
  readonly retriable = true;
}

/** 5xx: the server failed; a write may or may not have landed. */
export class WfmServerError extends WfmError {
  readonly code = 'TR_ERR_WFM_SERVER';
  readonly retriable = true;
}

/** No answer in time (connect, headers or body); a write may or may not have landed. */
export class WfmTimeoutError extends WfmError {
  readonly code = 'TR_ERR_WFM_TIMEOUT';
  readonly retriable = true;
  constructor(
    readonly phase: 'connect' | 'headers' | 'body',
    message: string,
    init: WfmErrorInit = {},
  ) {
    super(message, init);
  }
}

/** The connection failed or was reset before a full answer; a write may or may not have landed. */
export class WfmConnectionError extends WfmError {
  readonly code = 'TR_ERR_WFM_CONNECTION';
  readonly retriable = true;
}

/** The answer does not match the contract (not JSON, wrong shape). */
export class WfmBadResponseError extends WfmError {
  readonly code = 'TR_ERR_WFM_BAD_RESPONSE';
  readonly retriable = false;
}

/** Thrown by the client's constructor, one rule per message. */
export class WfmClientOptionError extends Error {
  readonly code = 'TR_ERR_WFM_CLIENT_OPTION';
  readonly retriable = false;
  constructor(message: string) {
    super(message);
    this.name = 'WfmClientOptionError';
  }
}

/**
 * Retry-After is either delta-seconds or an HTTP-date (RFC 9110 §10.2.3).
 * Returns milliseconds from `nowMs`, or undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

export interface ErrorAnswer {
  status: number;
  /** the parsed JSON body, or the text when it was not JSON */
  body: unknown;
  retryAfterMs: number | undefined;
  request: WfmRequestInfo;
}

/** Maps a non-2xx answer to its error class, by the contract's `errorCode` first and the status second. */
export function errorFromAnswer(answer: ErrorAnswer): WfmError {
  const { status, body, request, retryAfterMs } = answer;
  const errorCode = detailString(body, 'errorCode');
  const serverMessage = detailString(body, 'message');
  const details = detail(body, 'details');
  const init: WfmErrorInit = {
    status,
    request,
    ...(errorCode !== undefined ? { errorCode } : {}),
    ...(details !== undefined ? { details } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  };
  const said = serverMessage ? `: ${serverMessage}` : '';
  const what = `WFM ${request.method} ${request.path} answered ${status}${errorCode ? ` ${errorCode}` : ''}${said}`;
  switch (errorCode) {
    case 'VERSION_CONFLICT':
      return new WfmVersionConflictError(`${what}; re-read the shift and re-apply the change`, init);
    case 'SHIFT_OVERLAP':
      return new WfmShiftOverlapError(what, init);
    case 'SCHEDULE_LOCKED':
      return new WfmScheduleLockedError(`${what}; retry after the publish window closes`, init);
    case 'SCHEDULE_CONFLICT':
      return new WfmScheduleConflictError(
        `${what}; re-read the shift to tell a stale version from an overlap`,
        init,
      );
    case 'IDEMPOTENCY_KEY_IN_FLIGHT':
      return new WfmIdempotencyKeyInFlightError(what, init);
    case 'IDEMPOTENCY_KEY_REUSED':
      return new WfmIdempotencyKeyReusedError(
        `${what}; one idempotency key must always carry the same change`,
        init,
      );
    case 'VALIDATION_ERROR':
    case 'MALFORMED_JSON':
      return new WfmValidationError(what, init);
  }
  if (status === 401)
    return new WfmUnauthorizedError(`${what}; check the WFM token or client credentials`, init);
  if (status === 404) return new WfmNotFoundError(what, init);
  if (status === 429) return new WfmRateLimitedError(what, init);
  if (status === 409) return new WfmScheduleConflictError(what, init);
  if (status === 400) return new WfmValidationError(what, init);
  if (status >= 500) return new WfmServerError(what, init);
  if (status === 422) return new WfmIdempotencyKeyReusedError(what, init);
  return new WfmRequestRejectedError(what, init);
}

/** Failures before a connection existed: the request never left this process. */
const NOT_CONNECTED: Readonly<Record<string, string>> = {
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name could not be resolved now',
  ECONNREFUSED: 'nothing listens at that address',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
};

/**
 * Maps a transport failure (undici's error codes) to its class: the three timeouts, or a
 * connection failure for anything else with a code. An error without a code is not a
 * transport failure (a bug) and is handed back as it is.
 */
export function errorFromTransport(
  err: unknown,
  request: WfmRequestInfo,
  timeouts: { connectMs: number; headersMs: number; bodyMs: number },
  /** who was called, for the message */
  service = 'WFM',
): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return err;
  const where = `${service} ${request.method} ${request.path}`;
  const init = { request, cause: err };
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return new WfmTimeoutError('connect', `${where}: no connection within ${timeouts.connectMs} ms`, init);
    case 'UND_ERR_HEADERS_TIMEOUT':
      return new WfmTimeoutError('headers', `${where}: no answer within ${timeouts.headersMs} ms`, init);
    case 'UND_ERR_BODY_TIMEOUT':
      return new WfmTimeoutError('body', `${where}: the answer stalled for ${timeouts.bodyMs} ms`, init);
    default:
      return new WfmConnectionError(
        NOT_CONNECTED[code] !== undefined
          ? `${where}: connection failed (${code}: ${NOT_CONNECTED[code]}); the request was not sent`
          : `${where}: connection failed (${code}); the request may or may not have been applied`,
        init,
      );
  }
}
