import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import { parseInstant } from '../time/instant.js';
import { BulkSwapRequest, ShiftPatch, TokenRequest } from '../wfm/contract.js';
import { ApiError, zodIssues } from './api-error.js';
import type { WfmSandbox } from './sandbox.js';

export interface RouteResult {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export type Route =
  | { kind: 'token' }
  | { kind: 'list-shifts' }
  | { kind: 'get-shift'; id: string }
  | { kind: 'patch-shift'; id: string }
  | { kind: 'swap' }
  | { kind: 'list-agents' };

/** Maps method + path (below the base path) to a route; 404/405 otherwise. */
export function matchRoute(method: string, path: string): Route {
  const allow = (methods: string[], route: Route): Route => {
    if (methods.includes(method)) return route;
    throw new ApiError(
      'METHOD_NOT_ALLOWED',
      `${method} is not allowed on ${path}; use ${methods.join(' or ')}`,
      undefined,
      {
        allow: methods.join(', '),
      },
    );
  };
  if (path === '/oauth/token') return allow(['POST'], { kind: 'token' });
  if (path === '/schedules/shifts') return allow(['GET'], { kind: 'list-shifts' });
  if (path === '/schedules/shifts/swaps') return allow(['POST'], { kind: 'swap' });
  if (path === '/agents') return allow(['GET'], { kind: 'list-agents' });
  const m = /^\/schedules\/shifts\/([^/]+)$/.exec(path);
  if (m) {
    const id = decodeURIComponent(m[1]!);
    return method === 'PATCH'
      ? { kind: 'patch-shift', id }
      : allow(['GET', 'PATCH'], { kind: 'get-shift', id });
  }
  throw new ApiError('NOT_FOUND', `no such endpoint: ${method} ${path}`);
}

export function validate<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw new ApiError(
      'VALIDATION_ERROR',
      `${first.path.map(String).join('.') || '(body)'}: ${first.message}`,
      zodIssues(parsed.error.issues),
    );
  }
  return parsed.data;
}

function instantParam(params: URLSearchParams, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === null) return undefined;
  try {
    return parseInstant(raw);
  } catch (err) {
    const message = (err as Error).message;
    throw new ApiError('VALIDATION_ERROR', `query ${name}: ${message}`, {
      issues: [{ path: name, message }],
    });
  }
}

function page<T>(
  items: T[],
  params: URLSearchParams,
  max: number,
): { items: T[]; nextPageToken: string | null } {
  const size = params.has('pageSize') ? Number(params.get('pageSize')) : 100;
  if (!Number.isInteger(size) || size < 1 || size > max) {
    throw new ApiError('VALIDATION_ERROR', `query pageSize: must be a whole number from 1 to ${max}`, {
      issues: [{ path: 'pageSize', message: `1..${max}` }],
    });
  }
  const token = params.get('pageToken');
  let offset = 0;
  if (token) {
    const m = /^o:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
    if (!m) throw new ApiError('VALIDATION_ERROR', 'query pageToken: not a token this server issued');
    offset = Number(m[1]);
  }
  const slice = items.slice(offset, offset + size);
  const next = offset + size < items.length ? Buffer.from(`o:${offset + size}`).toString('base64url') : null;
  return { items: slice, nextPageToken: next };
}

export function listShifts(sandbox: WfmSandbox, params: URLSearchParams): RouteResult {
  const fromMs = instantParam(params, 'from');
  const toMs = instantParam(params, 'to');
  const items = sandbox.store.list({
    ...(params.get('teamId') ? { teamId: params.get('teamId')! } : {}),
    ...(params.get('agentId') ? { agentId: params.get('agentId')! } : {}),
    ...(fromMs !== undefined ? { fromMs } : {}),
    ...(toMs !== undefined ? { toMs } : {}),
  });
  return { status: 200, body: page(items, params, sandbox.behaviour.pageSizeMax) };
}

export function listAgents(sandbox: WfmSandbox, params: URLSearchParams): RouteResult {
  const items = sandbox.store.listAgents(params.get('teamId') ?? undefined);
  return { status: 200, body: page(items, params, sandbox.behaviour.pageSizeMax) };
}

export function getShift(sandbox: WfmSandbox, id: string): RouteResult {
  const shift = sandbox.getShift(id);
  return { status: 200, body: shift, headers: { etag: `"${shift.version}"` } };
}

export function patchShift(
  sandbox: WfmSandbox,
  id: string,
  body: unknown,
  clientId: string,
  key: string | null,
): RouteResult {
  const patch = validate(ShiftPatch, body);
  const shift = sandbox.patchShift(id, patch, { clientId, idempotencyKey: key });
  return { status: 200, body: shift, headers: { etag: `"${shift.version}"` } };
}

export function swapShifts(
  sandbox: WfmSandbox,
  body: unknown,
  clientId: string,
  key: string | null,
): RouteResult {
  const request = validate(BulkSwapRequest, body);
  const ids = new Set<string>();
  for (const [i, s] of request.swaps.entries()) {
    if (ids.has(s.swapId)) {
      throw new ApiError('VALIDATION_ERROR', `swaps.${i}.swapId: '${s.swapId}' appears twice`, {
        issues: [{ path: `swaps.${i}.swapId`, message: 'must be unique within the request' }],
      });
    }
    ids.add(s.swapId);
  }
  return { status: 200, body: { results: sandbox.swap(request.swaps, { clientId, idempotencyKey: key }) } };
}

export function tokenRequest(req: IncomingMessage, raw: string): unknown {
  const type = req.headers['content-type'] ?? '';
  if (/^application\/x-www-form-urlencoded\b/i.test(type)) {
    return Object.fromEntries(new URLSearchParams(raw));
  }
  if (/json/i.test(type)) {
    try {
      return JSON.parse(raw);
    } catch (err) {
      throw new ApiError('MALFORMED_JSON', `the body is not valid JSON: ${(err as Error).message}`);
    }
  }
  throw new ApiError(
    'UNSUPPORTED_MEDIA_TYPE',
    'send the token request as application/x-www-form-urlencoded or JSON',
  );
}

export { TokenRequest };
