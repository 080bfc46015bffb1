import { type RunningAdminServer, startAdminServer } from '../observability/admin-server.js';
import { createMetrics } from '../observability/metrics.js';
import type { StatusModel } from '../observability/status-model.js';
import { statusPageRoutes } from '../observability/status-page.js';
import type { KillSwitch } from '../planner/kill-switch.js';

export interface DemoAdminOptions {
  /** default 127.0.0.1 */
  host?: string;
  /** 0 = a free port */
  port: number;
  /** when set, flipping the kill switch needs it as a bearer token */
  token?: string;
  /** when `port` is taken, take a free one instead of failing (the default port only) */
  anyPortIfBusy?: boolean;
}

/**
 * The demo's admin server: the status page, the kill switch the demo's planner obeys,
 * /metrics and /healthz, as `trunk-reactor run` serves them.
 */
export async function startDemoAdmin(
  o: DemoAdminOptions,
  model: StatusModel,
  killSwitch: KillSwitch,
): Promise<RunningAdminServer> {
  const metrics = createMetrics({ defaultMetrics: false });
  const start = (port: number) =>
    startAdminServer({
      host: o.host ?? '127.0.0.1',
      port,
      metrics,
      readiness: [],
      killSwitch,
      ...(o.token ? { token: o.token } : {}),
      extra: statusPageRoutes({
        model,
        killSwitch,
        tokenRequired: Boolean(o.token),
        title: 'trunk-reactor demo',
      }),
    });
  try {
    return await start(o.port);
  } catch (err) {
    if (!o.anyPortIfBusy || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    return start(0);
  }
}
