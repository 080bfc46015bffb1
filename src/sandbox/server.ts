import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_PUBLISH_WINDOW } from '../time/publish-window.js';
import { type BulkSwapResponse, WFM_BASE_PATH } from '../wfm/contract.js';
import { adminRoute } from './admin-routes.js';
import { ApiError } from './api-error.js';
import { SandboxAuth } from './auth.js';
import * as routes from './contract-routes.js';
import { demoSchedule } from './generate.js';
import { parseJson, readBody, requireJson, sendJson } from './http-io.js';
import { fingerprint, IdempotencyStore } from './idempotency-store.js';
import { DEFAULT_CLIENTS, DEFAULT_TOKENS, type SandboxOptions } from './options.js';
import { type SandboxState, WfmSandbox } from './sandbox.js';
import { SandboxStats } from './stats.js';
import { TokenBuckets } from './token-bucket.js';
import { sendUnreadable } from './unreadable-answer.js';
import { VirtualClock } from './virtual-clock.js';

export interface RunningSandbox {
  /** http://host:port */
  url: string;
  /** url + /wfm/api/v2 */
  baseUrl: string;
  port: number;
  sandbox: WfmSandbox;
  /** request counters by status and errorCode, as /_sandbox/stats shows them */
  stats: SandboxStats;
  close(): Promise<void>;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** Starts the WFM sandbox: the contract over real HTTP, plus /_sandbox admin routes. */
export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const clock = new VirtualClock(options.clockStart, options.clockFrozen ?? false);
  const sandbox = new WfmSandbox(
    options.snapshot ?? demoSchedule(clock.now()),
    clock,
    options.publishWindow ?? DEFAULT_PUBLISH_WINDOW,
    options.behaviour,
    options.faults,
  );
  const saved =
    options.dataFile && existsSync(options.dataFile)
      ? (JSON.parse(readFileSync(options.dataFile, 'utf8')) as SandboxState & { idempotency?: unknown })
      : undefined;
  if (saved) sandbox.restoreState(saved);
  const auth = new SandboxAuth(
    options.tokens ?? DEFAULT_TOKENS,
    options.clients ?? DEFAULT_CLIENTS,
    options.tokenTtlSeconds ?? 3600,
  );
  const limiter = new TokenBuckets(sandbox.behaviour.rateLimitPerMinute, sandbox.behaviour.rateLimitBurst);
  const idempotency = new IdempotencyStore(sandbox.behaviour.idempotencyTtlHours * 3_600_000);
  if (Array.isArray(saved?.idempotency)) {
    idempotency.restore(saved.idempotency as Parameters<IdempotencyStore['restore']>[0]);
  }
  const stats = new SandboxStats();

  let saveTimer: NodeJS.Timeout | undefined;
  const save = () => {
    if (options.dataFile) {
      writeFileSync(
        options.dataFile,
        JSON.stringify({ ...sandbox.exportState(), idempotency: idempotency.toJSON() }),
      );
    }
  };
  const scheduleSave = () => {
    if (!options.dataFile || saveTimer) return;
    saveTimer = setTimeout(() => {
      saveTimer = undefined;
      save();
    }, 200);
  };

  const respond = (res: ServerResponse, result: routes.RouteResult) => {
    stats.record(result.status);
    sendJson(res, result.status, result.body, result.headers);
  };
  const unreadable = (res: ServerResponse, status: number, answer?: unknown) => {
    stats.record(status);
    stats.unreadable++;
    sendUnreadable(res, status, sandbox.faults.unreadableBody, answer);
  };
  const fail = (res: ServerResponse, err: ApiError) => {
    const body = sandbox.errorBody(err);
    stats.record(err.status, body.errorCode);
    sendJson(res, err.status, body, err.headers);
  };

  const handleContract = async (
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    params: URLSearchParams,
  ) => {
    sandbox.tick();
    const method = req.method ?? 'GET';
    const route = routes.matchRoute(method, path);
    if (route.kind === 'token') {
      const raw = await readBody(req, sandbox.behaviour.maxBodyBytes);
      const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
      const fromBasic = basic ? Buffer.from(basic[1]!, 'base64').toString('utf8').split(':') : [];
      const body = { ...(routes.tokenRequest(req, raw) as object) } as Record<string, unknown>;
      if (fromBasic.length === 2) {
        body.client_id ??= decodeURIComponent(fromBasic[0]!);
        body.client_secret ??= decodeURIComponent(fromBasic[1]!);
      }
      const t = routes.validate(routes.TokenRequest, body);
      return respond(res, {
        status: 200,
        body: auth.issue(t.client_id, t.client_secret),
        headers: { 'cache-control': 'no-store' },
      });
    }
    const clientId = auth.authenticate(req);
    const waitMs = limiter.take(clientId);
    if (waitMs > 0) {
      throw new ApiError(
        'RATE_LIMITED',
        `client '${clientId}' is over ${sandbox.behaviour.rateLimitPerMinute} requests per minute`,
        { limitPerMinute: sandbox.behaviour.rateLimitPerMinute, retryAfterMs: waitMs },
        { 'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))) },
      );
    }
    const f = sandbox.faults;
    if (f.resetRate > 0 && sandbox.random() < f.resetRate) {
      stats.resets++;
      req.socket.destroy();
      return;
    }
    if (f.errorRate > 0 && sandbox.random() < f.errorRate) {
      throw sandbox.random() < 0.5
        ? new ApiError('SERVICE_UNAVAILABLE', 'injected fault: the service is unavailable, try again')
        : new ApiError('INTERNAL_ERROR', 'injected fault: internal error, try again');
    }
    const lostAnswer = () => f.errorAfterWriteRate > 0 && sandbox.random() < f.errorAfterWriteRate;
    const garbledAnswer = () =>
      f.unreadableAfterWriteRate > 0 && sandbox.random() < f.unreadableAfterWriteRate;
    const latency = f.latencyMs + f.latencyJitterMs * sandbox.random();

    if (route.kind === 'list-shifts' || route.kind === 'list-agents' || route.kind === 'get-shift') {
      if (latency > 0) await sleep(latency);
      if (route.kind === 'list-shifts') return respond(res, routes.listShifts(sandbox, params));
      if (route.kind === 'list-agents') return respond(res, routes.listAgents(sandbox, params));
      return respond(res, routes.getShift(sandbox, route.id));
    }

    if (f.unreadableWithoutWriteRate > 0 && sandbox.random() < f.unreadableWithoutWriteRate) {
      // A proxy answering for the WFM: the write never reaches it.
      req.resume();
      return unreadable(res, 200);
    }
    requireJson(req);
    const body = parseJson(await readBody(req, sandbox.behaviour.maxBodyBytes));
    const keyHeader = req.headers['idempotency-key'];
    const key = typeof keyHeader === 'string' ? keyHeader : null;
    if (key !== null && !IDEMPOTENCY_KEY.test(key)) {
      throw new ApiError('VALIDATION_ERROR', 'Idempotency-Key must be 1 to 255 visible ASCII characters', {
        issues: [{ path: 'Idempotency-Key', message: 'invalid header' }],
      });
    }
    const run = () => {
      if (route.kind === 'patch-shift') return routes.patchShift(sandbox, route.id, body, clientId, key);
      const result = routes.swapShifts(sandbox, body, clientId, key);
      stats.recordSwapItems((result.body as BulkSwapResponse).results);
      return result;
    };

    if (key === null) {
      if (latency > 0) await sleep(latency);
      sandbox.tick();
      const result = run();
      scheduleSave();
      if (lostAnswer())
        throw new ApiError('INTERNAL_ERROR', 'injected fault: the change may or may not have been applied');
      if (garbledAnswer()) return unreadable(res, result.status, result.body);
      return respond(res, result);
    }
    const claim = idempotency.claim(clientId, key, fingerprint(method, path, body), sandbox.clock.now());
    if (claim.kind === 'mismatch') {
      throw new ApiError(
        'IDEMPOTENCY_KEY_REUSED',
        `Idempotency-Key '${key}' was already used with a different request body`,
        { idempotencyKey: key },
      );
    }
    if (claim.kind === 'in-flight') {
      throw new ApiError(
        'IDEMPOTENCY_KEY_IN_FLIGHT',
        `a request with Idempotency-Key '${key}' is still being processed; retry later`,
        { idempotencyKey: key },
        { 'retry-after': '1' },
      );
    }
    if (claim.kind === 'replay') {
      stats.replayed++;
      return respond(res, {
        status: claim.response.status,
        body: claim.response.body,
        headers: { ...claim.response.headers, 'idempotency-replayed': 'true' },
      });
    }
    let result: routes.RouteResult;
    try {
      const hold = Math.max(latency, sandbox.behaviour.minInFlightMs);
      if (hold > 0) await sleep(hold);
      sandbox.tick();
      result = run();
      idempotency.complete(clientId, key, {
        status: result.status,
        body: result.body,
        ...(result.headers ? { headers: result.headers } : {}),
      });
      scheduleSave();
    } catch (err) {
      // Nothing executed (conflict, lock, validation): the key is free again, so a retry
      // with a re-based body is not mistaken for key reuse.
      idempotency.release(clientId, key);
      throw err;
    }
    if (lostAnswer())
      throw new ApiError('INTERNAL_ERROR', 'injected fault: the change may or may not have been applied');
    if (garbledAnswer()) return unreadable(res, result.status, result.body);
    return respond(res, result);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const path = url.pathname;
    try {
      if (path.startsWith('/_sandbox/')) {
        const method = req.method ?? 'GET';
        let body: unknown;
        if (method === 'PUT' || method === 'POST') {
          requireJson(req);
          body = parseJson(await readBody(req, 64 * 1_048_576));
        }
        const result = adminRoute(
          sandbox,
          stats,
          method,
          path.slice('/_sandbox'.length),
          url.searchParams,
          body,
          {
            onBehaviour: () => {
              limiter.configure(sandbox.behaviour.rateLimitPerMinute, sandbox.behaviour.rateLimitBurst);
              idempotency.setTtl(sandbox.behaviour.idempotencyTtlHours * 3_600_000);
            },
            onChange: scheduleSave,
          },
        );
        return sendJson(res, result.status, result.body, result.headers);
      }
      if (path === WFM_BASE_PATH || path.startsWith(`${WFM_BASE_PATH}/`)) {
        return await handleContract(req, res, path.slice(WFM_BASE_PATH.length), url.searchParams);
      }
      throw new ApiError(
        'NOT_FOUND',
        `no such endpoint: ${req.method} ${path}; the API lives under ${WFM_BASE_PATH}`,
      );
    } catch (err) {
      if (err instanceof ApiError) {
        if (!req.complete) req.resume();
        return fail(res, err);
      }
      const e = new ApiError('INTERNAL_ERROR', `unexpected sandbox error: ${(err as Error).message}`);
      return fail(res, e);
    }
  };

  const server: Server = createServer({ requestTimeout: 30_000, keepAliveTimeout: 5_000 }, (req, res) => {
    void handle(req, res);
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
  });

  // The publish job and the other-integration mutator run on timers, not only on requests.
  let mutationDebt = 0;
  let lastTick = performance.now();
  const timer = setInterval(() => {
    try {
      background();
    } catch (err) {
      process.stderr.write(`wfm-sandbox: background job failed: ${(err as Error).message}\n`);
    }
  }, 50);
  timer.unref();
  function background() {
    const now = performance.now();
    mutationDebt += (sandbox.faults.mutatorPerSecond * (now - lastTick)) / 1000;
    lastTick = now;
    sandbox.tick();
    let changed = false;
    while (mutationDebt >= 1) {
      mutationDebt -= 1;
      changed = sandbox.mutateRandomShift() !== undefined || changed;
    }
    idempotency.prune(sandbox.clock.now());
    if (changed) scheduleSave();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host =
    options.host && options.host !== '0.0.0.0' && options.host !== '::' ? options.host : '127.0.0.1';
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url,
    baseUrl: `${url}${WFM_BASE_PATH}`,
    port,
    sandbox,
    stats,
    close: async () => {
      clearInterval(timer);
      if (saveTimer) clearTimeout(saveTimer);
      save();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
