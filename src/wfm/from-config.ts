import type { Logger } from 'pino';
import { DEFAULTS } from '../config/defaults.js';
import type { LoadedConfig } from '../config/load.js';
import type { Clock } from '../time/clock.js';
import type { PublishWindow } from '../time/publish-window.js';
import type { WfmAdapter } from './adapter.js';
import { GenesysCloudWfm } from './genesys-cloud/backend.js';
import type { TeamSource } from './genesys-cloud/org.js';
import { type RequestGate, WfmHttpClient, type WfmRequestEvent } from './http-client.js';

/** A backend as the service holds it: the port, a cheap liveness read, and its close. */
export type WfmBackend = WfmAdapter & {
  close(): Promise<void>;
  /** one small read: does the WFM answer? */
  ping(): Promise<void>;
};

export interface WfmFromConfigOptions {
  clock: Clock;
  gate: RequestGate;
  logger?: Logger;
  publishWindow?: PublishWindow;
  onRequest?: (e: WfmRequestEvent) => void;
}

/** The backend `wfm.kind` names, built from the config and its resolved secrets. */
export function wfmFromConfig(
  loaded: Pick<LoadedConfig, 'config' | 'secrets'>,
  o: WfmFromConfigOptions,
): WfmBackend {
  const { config, secrets } = loaded;
  const gc = config.wfm.genesysCloud;
  if (config.wfm.kind === 'genesys-cloud' && gc) {
    const teams: TeamSource =
      typeof gc.teams === 'string' ? { kind: gc.teams } : { kind: 'map', teams: gc.teams.map };
    const backend = new GenesysCloudWfm({
      apiBaseUrl: gc.apiBaseUrl ?? `https://api.${gc.region}`,
      loginBaseUrl: gc.loginBaseUrl ?? `https://login.${gc.region}`,
      businessUnitId: gc.businessUnitId,
      clientId: gc.clientId,
      clientSecret: secrets.wfmClientSecret ?? '',
      clock: o.clock,
      gate: o.gate,
      teams,
      activityTypes: gc.activityTypes,
      notifications: gc.notifications,
      uploads: gc.uploads,
      ...(o.publishWindow ? { publishWindow: o.publishWindow } : {}),
      ...(o.logger ? { logger: o.logger } : {}),
      ...(o.onRequest
        ? {
            onRequest: (e) =>
              o.onRequest!({
                route: `genesys ${e.host} ${e.method} ${e.route}`,
                method: e.method,
                status: e.status,
                durationMs: e.durationMs,
                replayed: false,
                ...(e.code !== undefined ? { code: e.code } : {}),
              }),
          }
        : {}),
    });
    return Object.assign(backend, {
      async ping() {
        await backend.org();
        await backend.http.api({
          method: 'GET',
          path: `/api/v2/workforcemanagement/businessunits/${encodeURIComponent(gc.businessUnitId)}`,
        });
      },
    });
  }
  const client = new WfmHttpClient({
    baseUrl: config.wfm.baseUrl,
    ...(secrets.wfmToken ? { token: secrets.wfmToken } : {}),
    ...(config.wfm.auth.kind === 'oauth' && secrets.wfmClientSecret
      ? {
          oauth: {
            tokenUrl: config.wfm.auth.tokenUrl ?? `${config.wfm.baseUrl}/oauth/token`,
            clientId: config.wfm.auth.clientId,
            clientSecret: secrets.wfmClientSecret,
          },
        }
      : {}),
    timeouts: {
      connectMs: config.wfm.connectTimeoutMs,
      headersMs: config.wfm.headersTimeoutMs,
      bodyMs: config.wfm.bodyTimeoutMs,
    },
    clock: o.clock,
    gate: o.gate,
    ...(o.onRequest ? { onRequest: o.onRequest } : {}),
  });
  return Object.assign(client, {
    async ping() {
      const now = o.clock.now();
      await client.listShifts({
        from: new Date(now).toISOString(),
        to: new Date(now + 60_000).toISOString(),
      });
    },
  });
}

/** Adjustments the writer works on at once: `wfm.maxConcurrency`, else the backend's default. */
export function writerConcurrency(config: LoadedConfig['config']): number {
  return config.wfm.maxConcurrency ?? DEFAULTS.wfm.maxConcurrency[config.wfm.kind];
}
