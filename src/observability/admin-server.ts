import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KillSwitch } from '../planner/kill-switch.js';
import type { Metrics } from './metrics.js';

/** A probe's answer: ready or not, and what is in the way (shown in /readyz's `details`). */
export interface ReadinessResult {
  ready: boolean;
  detail?: unknown;
}

/** One readiness check: a name and a probe that resolves true (or `{ ready: true }`) when that part is ready. */
export interface ReadinessCheck {
  name: string;
  probe(): Promise<boolean | ReadinessResult> | boolean | ReadinessResult;
}

export interface AdminServerOptions {
  host: string;
  port: number;
  metrics: Metrics;
  readiness: ReadinessCheck[];
  killSwitch?: KillSwitch;
  /** when set, write endpoints need `Authorization: Bearer <token>` */
  token?: string;
  /** extra routes (the status page); return false to fall through to 404 */
  extra?: (req: IncomingMessage, res: ServerResponse, authorized: boolean) => Promise<boolean> | boolean;
}

export interface RunningAdminServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  type = 'application/json; charset=utf-8',
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

async function readJson(req: IncomingMessage, limit = 16_384): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > limit) throw new Error(`body over ${limit} bytes`);
    chunks.push(c);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : {};
}

function bearerMatches(req: IncomingMessage, token: string | undefined): boolean {
  if (!token) return true;
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!m) return false;
  const a = Buffer.from(m[1]!);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The admin server: /metrics (Prometheus), /healthz (the process answers), /readyz
 * (ready only while every check passes: consuming, every partition making progress, and the
 * WFM answers; a failing check's detail names what is in the way), and the kill switch. It listens on 127.0.0.1 unless configured otherwise.
 */
export async function startAdminServer(o: AdminServerOptions): Promise<RunningAdminServer> {
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://admin').pathname;
    const authorized = bearerMatches(req, o.token);
    if (req.method === 'GET' && path === '/metrics') {
      return send(res, 200, await o.metrics.registry.metrics(), o.metrics.registry.contentType);
    }
    if (req.method === 'GET' && path === '/healthz') return send(res, 200, { status: 'ok' });
    if (req.method === 'GET' && path === '/readyz') {
      const results = await Promise.all(
        o.readiness.map(async (c): Promise<[string, ReadinessResult]> => {
          try {
            const r = await c.probe();
            return [c.name, typeof r === 'boolean' ? { ready: r } : r];
          } catch (err) {
            return [c.name, { ready: false, detail: (err as Error)?.message ?? String(err) }];
          }
        }),
      );
      const ready = results.every(([, r]) => r.ready);
      const details = results.filter(([, r]) => !r.ready && r.detail !== undefined);
      return send(res, ready ? 200 : 503, {
        status: ready ? 'ready' : 'not ready',
        checks: Object.fromEntries(results.map(([name, r]) => [name, r.ready])),
        ...(details.length > 0
          ? { details: Object.fromEntries(details.map(([name, r]) => [name, r.detail])) }
          : {}),
      });
    }
    if (path === '/kill-switch' && o.killSwitch) {
      if (req.method === 'GET') return send(res, 200, await o.killSwitch.state());
      if (req.method === 'PUT' || req.method === 'POST') {
        if (!authorized) return send(res, 401, { error: 'send Authorization: Bearer <admin token>' });
        const body = (await readJson(req)) as { engaged?: unknown; reason?: unknown };
        if (typeof body.engaged !== 'boolean')
          return send(res, 400, { error: 'body must be {"engaged": true|false, "reason"?: string}' });
        if (body.engaged)
          await o.killSwitch.engage(
            typeof body.reason === 'string' ? body.reason : 'engaged from the admin API',
          );
        else await o.killSwitch.release();
        return send(res, 200, await o.killSwitch.state());
      }
    }
    if (o.extra && (await o.extra(req, res, authorized))) return;
    send(res, 404, { error: `no such admin endpoint: ${req.method} ${path}` });
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 400, { error: (err as Error).message });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = o.host.includes(':') ? `[${o.host}]` : o.host === '0.0.0.0' ? '127.0.0.1' : o.host;
  return {
    url: `http://${host}:${port}`,
    port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
