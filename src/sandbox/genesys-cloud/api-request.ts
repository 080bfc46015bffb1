import type { IncomingMessage } from 'node:http';
import { GenesysError } from './genesys-error.js';
import type { Principal } from './login-host.js';

/** One API request as the routes see it: who asks, the path's parts, the query, the body on demand. */
export interface ApiRequest {
  req: IncomingMessage;
  method: string;
  path: string;
  query: URLSearchParams;
  principal: Principal;
  /** http://host:port of the API host, for the URLs the answers carry */
  origin: string;
  /** the JSON body, read once; 413 past requestMaxBytes, 415 for a body that is not JSON */
  json(): Promise<unknown>;
}

export async function readBytes(
  req: IncomingMessage,
  maxBytes: number,
): Promise<{ bytes: Buffer; overBy: number }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= maxBytes) chunks.push(chunk);
  }
  return { bytes: Buffer.concat(chunks), overBy: Math.max(0, size - maxBytes) };
}

export function jsonReader(req: IncomingMessage, maxBytes: () => number): () => Promise<unknown> {
  let read: Promise<unknown> | undefined;
  return () => {
    read ??= (async () => {
      const max = maxBytes();
      const { bytes, overBy } = await readBytes(req, max);
      if (overBy > 0) {
        throw new GenesysError(
          'request.entity.too.large',
          `the request body is ${max + overBy} bytes; the limit (request.bytes.max) is ${max}`,
        );
      }
      if (bytes.length === 0) return undefined;
      const type = req.headers['content-type'] ?? '';
      if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(type))
        throw new GenesysError(
          'unsupported.media.type',
          `send the body as application/json, not '${type || '(none)'}'`,
        );
      try {
        return JSON.parse(bytes.toString('utf8'));
      } catch (err) {
        throw new GenesysError('bad.request', `the body is not valid JSON: ${(err as Error).message}`);
      }
    })();
    return read;
  };
}

/** A query parameter read as a boolean: absent is false; anything but true/false is a 400. */
export function boolParam(query: URLSearchParams, name: string): boolean {
  const v = query.get(name);
  if (v === null) return false;
  if (v === 'true' || v === 'false') return v === 'true';
  throw new GenesysError('invalid.value', `query ${name} must be true or false, got '${v}'`);
}

export interface ApiAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Route {
  method: string;
  /** a path with `:name` parts, e.g. /api/v2/workforcemanagement/businessunits/:buId */
  pattern: string;
  handle(r: ApiRequest, params: Record<string, string>): ApiAnswer | Promise<ApiAnswer>;
}

function matchPattern(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    if (w.startsWith(':')) {
      if (got[i] === '') return null;
      params[w.slice(1)] = decodeURIComponent(got[i]!);
    } else if (w !== got[i]) return null;
  }
  return params;
}

/** The route for a request: 404 when no pattern fits the path, 405 when one fits but not its method. */
export function findRoute(
  routes: readonly Route[],
  method: string,
  path: string,
): { route: Route; params: Record<string, string> } {
  const allowed: string[] = [];
  for (const route of routes) {
    const params = matchPattern(route.pattern, path);
    if (!params) continue;
    if (route.method === method) return { route, params };
    allowed.push(route.method);
  }
  if (allowed.length > 0)
    throw new GenesysError(
      'method.not.allowed',
      `${method} is not allowed on ${path}; use ${allowed.join(' or ')}`,
      { allow: allowed.join(', ') },
    );
  throw new GenesysError('not.found', `no such resource: ${method} ${path}`);
}
