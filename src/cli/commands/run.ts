import { randomUUID } from 'node:crypto';
import { assemble, businessUnitCalendar, loadRuleFiles } from '../../app/assemble.js';
import type { PipelineRole } from '../../app/pipeline.js';
import { ConfigError, loadConfig } from '../../config/load.js';
import { ShutdownTimeoutError } from '../../kafka/errors.js';
import { progressReadiness } from '../../kafka/progress-watch.js';
import { startAdminServer } from '../../observability/admin-server.js';
import { createLogger } from '../../observability/logger.js';
import { createMetrics } from '../../observability/metrics.js';
import { ruleInfoFrom, StatusModel } from '../../observability/status-model.js';
import { statusPageRoutes } from '../../observability/status-page.js';
import { instanceView, statusSubscriber } from '../../observability/status-subscriber.js';
import { compileRules } from '../../rules/compile.js';
import { type Command, EXIT, UsageError } from '../command.js';
import { parseFlags } from '../parse-flags.js';

const usage = `Usage: trunk-reactor run [--config FILE] [--role all|rules|writer] [--instance-id ID]

  --config FILE      the service config (YAML); TRUNK_REACTOR_… env overrides apply
  --role R           all (default): every stage in this process; rules: consume events, plan
                     intents per team, produce adjustments; writer: apply adjustments to the
                     WFM, publish outcomes
  --instance-id ID   names this instance in logs and Kafka client ids (default: random)

The admin server (admin.host:admin.port, 127.0.0.1:9464 by default) serves /metrics, /healthz,
/readyz, /kill-switch and the status page at / (polling /status.json): utilization per trunk
group against the rules' thresholds, firing periods, adjustments waiting and the latest ones
with their reasons and outcomes, the kill switch. Each process shows what it sees: with
--role rules no outcomes, with --role writer no utilization (docs/operations.md#status-page).

Runs until SIGTERM or SIGINT, then stops fetching, finishes or hands back in-flight work,
commits and exits within shutdownTimeoutMs. A Kafka consumer crash that kafkajs will not
restart ends the process with exit code ${EXIT.RUNTIME}, for a supervisor to restart it.`;

const ROLES = new Set(['all', 'rules', 'writer']);

const command: Command = {
  name: 'run',
  example: 'trunk-reactor run --config config/trunk-reactor.yaml --role all',
  usage,
  async run(argv) {
    const { values } = parseFlags(argv, {
      config: { type: 'string' },
      role: { type: 'string', default: 'all' },
      'instance-id': { type: 'string' },
    });
    const role = values.role ?? 'all';
    if (!ROLES.has(role)) throw new UsageError(`--role must be all, rules or writer, got '${role}'`);
    let loaded: ReturnType<typeof loadConfig>;
    try {
      loaded = loadConfig(values.config, process.env);
    } catch (err) {
      if (err instanceof ConfigError) {
        process.stderr.write(`trunk-reactor run: ${err.message}\n`);
        return EXIT.CONFIG;
      }
      throw err;
    }
    const { config } = loaded;
    const instanceId = values['instance-id'] ?? randomUUID().slice(0, 8);
    const logger = createLogger({
      level: config.log.level,
      scrubber: loaded.scrubber,
      ...(config.log.pretty !== undefined ? { pretty: config.log.pretty } : {}),
    }).child({ instance: instanceId, role });
    for (const o of loaded.overrides) logger.info({ override: o }, 'config override from the environment');

    let fatal: ((err: Error) => void) | undefined;
    const fatalError = new Promise<Error>((resolve) => {
      fatal = resolve;
    });
    // counted from the pipeline's events; /metrics serves `metrics.registry`, readiness reads `app.pipeline.status`
    const metrics = createMetrics();
    // loaded here, not in assemble, so the status page draws the thresholds of the rules that run
    const rules = role === 'writer' ? undefined : await loadRuleFiles(config.rules.files);
    const model = new StatusModel({
      rules: rules ? ruleInfoFrom(compileRules(rules)) : [],
      zone: businessUnitCalendar(config).zone,
    });
    const app = await assemble({
      loaded,
      role: role as PipelineRole,
      logger,
      instanceId,
      metrics,
      ...(rules ? { rules } : {}),
      subscriber: statusSubscriber(model, {
        label: 'kafka',
        view: instanceView(role as PipelineRole, instanceId),
      }),
      onFatal: (err) => fatal?.(err),
    });
    const signalled = new Promise<string>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    });
    try {
      await Promise.race([app.pipeline.start(), fatalError.then((e) => Promise.reject(e))]);
    } catch (err) {
      logger.fatal({ err }, 'the pipeline could not start');
      await app.pipeline.stop(Date.now() + 1_000).catch(() => {});
      await app.close();
      process.stderr.write(`trunk-reactor run: ${(err as Error).message}\n`);
      return EXIT.RUNTIME;
    }
    const admin = await startAdminServer({
      host: config.admin.host,
      port: config.admin.port,
      metrics,
      killSwitch: app.killSwitch,
      ...(loaded.secrets.adminToken ? { token: loaded.secrets.adminToken } : {}),
      readiness: [
        { name: 'consuming', probe: () => app.pipeline.status.consuming },
        // a partition failing at one offset for good (progress-watch.ts), named in the answer
        { name: 'progress', probe: () => progressReadiness(app.pipeline.status.stalled) },
        { name: 'wfm', probe: wfmProbe(app) },
      ],
      extra: statusPageRoutes({
        model,
        killSwitch: app.killSwitch,
        tokenRequired: Boolean(loaded.secrets.adminToken),
        title: `trunk-reactor ${instanceId} (${role})`,
      }),
    });
    logger.info(
      { url: admin.url },
      'admin server: / (status page) /status.json /metrics /healthz /readyz /kill-switch',
    );
    const why = await Promise.race([signalled, fatalError]);
    await admin.close();
    const deadline = Date.now() + config.shutdownTimeoutMs;
    if (why instanceof Error) {
      // kafkajs gave up on a consumer: stop what still runs, briefly, and exit non-zero
      logger.fatal({ err: why, code: (why as { code?: string }).code }, why.message);
      process.stderr.write(`trunk-reactor run: ${why.message}\n`);
      await withDeadline(app.pipeline.stop(Math.min(deadline, Date.now() + 5_000)), 5_000).catch(() => {});
      return exitSoon(EXIT.RUNTIME);
    }
    logger.info({ signal: why, shutdownTimeoutMs: config.shutdownTimeoutMs }, 'stopping');
    try {
      await withDeadline(app.pipeline.stop(deadline), config.shutdownTimeoutMs);
      await app.close();
    } catch (err) {
      logger.error({ err }, (err as Error).message);
      return exitSoon(EXIT.RUNTIME);
    }
    logger.info('stopped');
    return exitSoon(EXIT.OK);
  },
};

const WFM_PROBE_CACHE_MS = 10_000;

/** Ready needs a WFM that answers: one small read, its answer cached for 10 s. */
function wfmProbe(app: Awaited<ReturnType<typeof assemble>>): () => Promise<boolean> {
  let last = { at: 0, ok: false };
  return async () => {
    if (Date.now() - last.at < WFM_PROBE_CACHE_MS) return last.ok;
    const ok = await app.wfm.ping().then(
      () => true,
      () => false,
    );
    last = { at: Date.now(), ok };
    return ok;
  };
}

/** Sockets kafkajs or undici left behind must not keep a stopped process alive. */
function exitSoon(code: number): number {
  setTimeout(() => process.exit(code), 1_000).unref();
  return code;
}

function withDeadline(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ShutdownTimeoutError(ms)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

export default command;
