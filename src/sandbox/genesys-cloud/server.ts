import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_PUBLISH_WINDOW } from '../../time/publish-window.js';
import { ApiError } from '../api-error.js';
import { demoSchedule } from '../generate.js';
import { parseJson, readBody, requireJson, sendJson } from '../http-io.js';
import { TokenBuckets } from '../token-bucket.js';
import { VirtualClock } from '../virtual-clock.js';
import { genesysAdminRoute } from './admin-routes.js';
import { type ApiRequest, findRoute, jsonReader, type Route, readBytes } from './api-request.js';
import { ApiStats } from './api-stats.js';
import { discoveryRoutes } from './discovery-routes.js';
import { DOWNLOAD_PREFIX, DownloadHost } from './download-host.js';
import { GenesysError } from './genesys-error.js';
import { type GenesysSandboxState, GenesysWfm } from './genesys-wfm.js';
import { JobRunner } from './job-runner.js';
import { OAuthError, TokenIssuer } from './login-host.js';
import { NotificationHub } from './notification-hub.js';
import { notificationRoutes } from './notification-routes.js';
import { DEFAULT_GENESYS_BEHAVIOUR, DEFAULT_GENESYS_CLIENTS, type GenesysSandboxOptions } from './options.js';
import { S3Refusal, sendS3Error } from './s3-answer.js';
import { scheduleRoutes } from './schedule-routes.js';
import { stateFromSnapshot } from './seed.js';
import { DEFAULT_TRUNK_EDGES } from './trunk-options.js';
import { trunkRoutes } from './trunk-routes.js';
import { TrunkScenario } from './trunk-scenario.js';
import { timelineFor } from './trunk-timeline.js';
import { trunkTopics } from './trunk-topics.js';
import { UPLOAD_PREFIX, UploadSigner } from './upload-signer.js';
import { wfmTopics } from './wfm-topics.js';
import { API } from './wire.js';

export interface RunningGenesysSandbox {
  /** http://host:port of the API host (also the upload, download and admin host) */
  url: string;
  /** the API base a client is configured with: url, under which /api/v2 lives */
  apiBaseUrl: string;
  /** http://host:port of the login host, where POST /oauth/token lives */
  loginUrl: string;
  /** ws://host:port: where the channels' connectUris point */
  streamingUrl: string;
  wfm: GenesysWfm;
  hub: NotificationHub;
  /** the trunks, their metrics scenario and what it produced */
  trunks: TrunkScenario;
  stats: ApiStats;
  close(): Promise<void>;
}

function origin(host: string, port: number, scheme: 'http' | 'ws'): string {
  const h = host && host !== '0.0.0.0' && host !== '::' ? host : '127.0.0.1';
  return `${scheme}://${h.includes(':') ? `[${h}]` : h}:${port}`;
}

async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/**
 * Starts the emulated Genesys Cloud: the API host (WFM routes, notifications API, channel
 * sockets, the signed upload and download URLs, /_sandbox admin routes) and the login host
 * (POST /oauth/token), each on its own port.
 */
export async function startGenesysSandbox(
  options: GenesysSandboxOptions = {},
): Promise<RunningGenesysSandbox> {
  const host = options.host ?? '127.0.0.1';
  const clock = new VirtualClock(options.clockStart, options.clockFrozen ?? false);
  const behaviour = { ...DEFAULT_GENESYS_BEHAVIOUR, ...options.behaviour };
  const clients = (options.clients ?? DEFAULT_GENESYS_CLIENTS).map((c) => ({
    ...c,
    permissions: [...c.permissions],
  }));
  const stats = new ApiStats();
  let hubRef: NotificationHub | undefined;
  const wfm = new GenesysWfm(
    stateFromSnapshot(options.snapshot ?? demoSchedule(clock.now()), clock.now(), behaviour.defaultCodeIds),
    clock,
    options.publishWindow ?? DEFAULT_PUBLISH_WINDOW,
    (topic, body) => hubRef?.publish(topic, body),
    behaviour,
    options.faults,
  );
  if (options.dataFile && existsSync(options.dataFile))
    wfm.restoreState(JSON.parse(readFileSync(options.dataFile, 'utf8')) as GenesysSandboxState);
  const hub = new NotificationHub(clock, () => wfm.behaviour);
  hubRef = hub;
  hub.addAuthority(wfmTopics(wfm));
  const t = options.trunks ?? {};
  const edges = t.edges ?? DEFAULT_TRUNK_EDGES;
  const trunks = new TrunkScenario(
    { publish: (topic, body) => hub.publish(topic, body), now: Date.now },
    timelineFor(t, edges, t.seed ?? 1),
    edges,
    t.seed ?? 1,
    t.behaviour,
  );
  hub.addAuthority(trunkTopics(trunks));
  if (t.playSpeed !== undefined) trunks.play(t.playSpeed);
  const issuer = new TokenIssuer(clients, clock, () => wfm.behaviour.tokenTtlSeconds);
  const signer = new UploadSigner(clock, () => ({
    ttlSeconds: wfm.behaviour.uploadUrlTtlSeconds,
    singleUse: wfm.behaviour.uploadSingleUse,
  }));
  const downloads = new DownloadHost(clock, () => wfm.behaviour.downloadUrlTtlSeconds);
  const jobs = new JobRunner(
    () => wfm.behaviour.jobMs,
    (err) => process.stderr.write(`genesys-cloud sandbox: a job failed: ${(err as Error).message}\n`),
  );
  const limiter = new TokenBuckets(wfm.behaviour.rateLimitPerMinute, wfm.behaviour.rateLimitBurst);

  let saveTimer: NodeJS.Timeout | undefined;
  const save = () => {
    if (options.dataFile) writeFileSync(options.dataFile, JSON.stringify(wfm.exportState()));
  };
  const scheduleSave = () => {
    if (!options.dataFile || saveTimer) return;
    saveTimer = setTimeout(() => {
      saveTimer = undefined;
      save();
    }, 200);
  };

  const api = createServer({ requestTimeout: 30_000, keepAliveTimeout: 5_000 });
  const login = createServer({ requestTimeout: 30_000, keepAliveTimeout: 5_000 });
  const apiPort = await listen(api, options.port ?? 8080, host);
  const loginPort = await listen(login, options.loginPort ?? 0, host);
  const apiOrigin = origin(host, apiPort, 'http');
  const streamingOrigin = origin(host, apiPort, 'ws');

  const routes: Route[] = [
    ...discoveryRoutes(wfm, downloads),
    ...scheduleRoutes({
      wfm,
      signer,
      downloads,
      jobs,
      notify: (topic, body) => {
        hub.publish(topic, body);
        scheduleSave();
      },
      onLost: () => {
        stats.notificationsLost++;
        scheduleSave();
      },
    }),
    ...notificationRoutes(hub, () => streamingOrigin),
    ...trunkRoutes(trunks),
  ];

  const fail = (res: ServerResponse, err: GenesysError) => {
    stats.record(err.status, err.code);
    sendJson(res, err.status, err.body(), err.headers);
  };

  const handleApi = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const principal = issuer.authenticate(req);
    const waitMs = limiter.take(principal.token);
    if (waitMs > 0) {
      const limit = wfm.behaviour.rateLimitPerMinute;
      throw new GenesysError(
        'too.many.requests',
        `Rate limit exceeded the maximum [${limit}] requests within [60] seconds`,
        { 'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))) },
      );
    }
    const f = wfm.faults;
    if (f.resetRate > 0 && wfm.random() < f.resetRate) {
      stats.resets++;
      req.socket.destroy();
      return;
    }
    if (f.errorRate > 0 && wfm.random() < f.errorRate) {
      throw wfm.random() < 0.5
        ? new GenesysError('service.unavailable', 'injected fault: the service is unavailable, try again')
        : new GenesysError('internal.server.error', 'injected fault: internal error, try again');
    }
    const latency = f.latencyMs + f.latencyJitterMs * wfm.random();
    if (latency > 0) await sleep(latency);
    wfm.tick();
    const method = req.method ?? 'GET';
    const { route, params } = findRoute(routes, method, url.pathname);
    const r: ApiRequest = {
      req,
      method,
      path: url.pathname,
      query: url.searchParams,
      principal,
      origin: apiOrigin,
      json: jsonReader(req, () => wfm.behaviour.requestMaxBytes),
    };
    const answer = await route.handle(r, params);
    if (!req.complete) req.resume();
    stats.record(answer.status);
    if (answer.body === undefined || method === 'HEAD') {
      res.writeHead(answer.status, answer.headers ?? {});
      res.end();
    } else sendJson(res, answer.status, answer.body, answer.headers);
  };

  const handleStorage = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    try {
      if (url.pathname.startsWith(UPLOAD_PREFIX)) {
        if (req.method !== 'PUT')
          throw new S3Refusal(
            405,
            'MethodNotAllowed',
            'The specified method is not allowed against this resource: PUT the upload',
          );
        const key = decodeURIComponent(url.pathname.slice(UPLOAD_PREFIX.length));
        const declaredHeader = req.headers['content-length'];
        const declared = declaredHeader === undefined ? undefined : Number(declaredHeader);
        const { bytes, overBy } = await readBytes(req, (signer.expectedLength(key) ?? 0) + 1);
        const body = overBy > 0 ? Buffer.concat([bytes, Buffer.alloc(overBy)]) : bytes;
        signer.receive(key, url.searchParams, req.headers, body, declared);
        res.writeHead(200, { etag: `"${body.length.toString(16)}"`, 'content-length': 0 });
        res.end();
        return;
      }
      if (req.method !== 'GET') throw new S3Refusal(405, 'MethodNotAllowed', 'GET the downloadUrl');
      const text = downloads.get(
        decodeURIComponent(url.pathname.slice(DOWNLOAD_PREFIX.length)),
        url.searchParams,
      );
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    } catch (err) {
      if (!(err instanceof S3Refusal)) throw err;
      if (!req.complete) req.resume();
      stats.refusedStorage(err.s3Code);
      sendS3Error(res, err);
    }
  };

  const handleAdmin = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    try {
      const method = req.method ?? 'GET';
      let body: unknown;
      if (method === 'PUT' || method === 'POST') {
        const text = await readBody(req, 64 * 1_048_576);
        if (text.length > 0) {
          requireJson(req);
          body = parseJson(text);
        }
      }
      const result = genesysAdminRoute(
        {
          wfm,
          hub,
          trunks,
          stats,
          clients,
          onBehaviour: () =>
            limiter.configure(wfm.behaviour.rateLimitPerMinute, wfm.behaviour.rateLimitBurst),
          onChange: scheduleSave,
        },
        method,
        url.pathname.slice('/_sandbox'.length),
        url.searchParams,
        body,
      );
      sendJson(res, result.status, result.body, result.headers);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (!req.complete) req.resume();
      sendJson(res, err.status, err.body(), err.headers);
    }
  };

  api.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://genesys');
    const path = url.pathname;
    const run = async () => {
      if (path.startsWith('/_sandbox/')) return handleAdmin(req, res, url);
      if (path.startsWith(UPLOAD_PREFIX) || path.startsWith(DOWNLOAD_PREFIX))
        return handleStorage(req, res, url);
      if (path === API || path.startsWith(`${API}/`)) return handleApi(req, res, url);
      throw new GenesysError(
        'not.found',
        `no such resource: ${req.method} ${path}; the API lives under ${API}`,
      );
    };
    run().catch((err: unknown) => {
      if (!req.complete) req.resume();
      if (err instanceof GenesysError) return fail(res, err);
      fail(
        res,
        new GenesysError('internal.server.error', `unexpected sandbox error: ${(err as Error).message}`),
      );
    });
  });
  api.on('upgrade', (req, socket, head) => {
    if (!hub.handleUpgrade(req, socket, head))
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
  });
  for (const s of [api, login]) {
    s.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    });
  }

  login.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://login').pathname;
    void (async () => {
      try {
        if (path !== '/oauth/token') {
          req.resume();
          return sendJson(res, 404, {
            error: 'not_found',
            description: `no such endpoint: ${path}; tokens come from POST /oauth/token`,
          });
        }
        if (req.method !== 'POST') {
          req.resume();
          return sendJson(
            res,
            405,
            { error: 'invalid_request', description: 'POST the token request' },
            { allow: 'POST' },
          );
        }
        const { bytes } = await readBytes(req, 64 * 1024);
        const token = issuer.issue(
          req.headers.authorization,
          req.headers['content-type'],
          bytes.toString('utf8'),
        );
        stats.tokensIssued++;
        sendJson(res, 200, token, { 'cache-control': 'no-store' });
      } catch (err) {
        if (!(err instanceof OAuthError)) throw err;
        sendJson(
          res,
          err.status,
          err.body(),
          err.status === 401 ? { 'www-authenticate': 'Basic realm="login"' } : {},
        );
      }
    })().catch((err: unknown) =>
      sendJson(res, 500, { error: 'server_error', description: (err as Error).message }),
    );
  });

  // The publish job, channel lifetimes and the other integration run on a timer, not only on requests.
  let mutationDebt = 0;
  let lastTick = performance.now();
  const timer = setInterval(() => {
    try {
      const now = performance.now();
      mutationDebt += (wfm.faults.mutatorPerSecond * (now - lastTick)) / 1000;
      lastTick = now;
      wfm.tick();
      hub.tick();
      trunks.tick();
      let changed = false;
      while (mutationDebt >= 1) {
        mutationDebt -= 1;
        changed = wfm.mutateRandomAgent() || changed;
      }
      if (changed) scheduleSave();
    } catch (err) {
      process.stderr.write(`genesys-cloud sandbox: background job failed: ${(err as Error).message}\n`);
    }
  }, 50);
  timer.unref();

  return {
    url: apiOrigin,
    apiBaseUrl: apiOrigin,
    loginUrl: origin(host, loginPort, 'http'),
    streamingUrl: streamingOrigin,
    wfm,
    hub,
    trunks,
    stats,
    close: async () => {
      clearInterval(timer);
      jobs.close();
      hub.close();
      if (saveTimer) clearTimeout(saveTimer);
      save();
      for (const s of [api, login]) s.closeAllConnections();
      await Promise.all([api, login].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
