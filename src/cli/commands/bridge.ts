import { randomUUID } from 'node:crypto';
import type { GenesysTrunkBridge } from '../../bridge/genesys-cloud/bridge.js';
import { createBridgeMetrics } from '../../bridge/genesys-cloud/bridge-metrics.js';
import { BRIDGE_CONFIG_TEMPLATE } from '../../bridge/genesys-cloud/config-template.js';
import { bridgeFromConfig } from '../../bridge/genesys-cloud/from-config.js';
import { checkMapping, formatMappingCheck } from '../../bridge/genesys-cloud/mapping-check.js';
import { progressLine } from '../../bridge/genesys-cloud/progress-line.js';
import { ConfigError, type LoadedConfig, loadConfig } from '../../config/load.js';
import { startAdminServer } from '../../observability/admin-server.js';
import { createLogger } from '../../observability/logger.js';
import { createMetrics } from '../../observability/metrics.js';
import { systemClock } from '../../time/clock.js';
import { GenesysHttp } from '../../wfm/genesys-cloud/http.js';
import { type Command, EXIT, UsageError } from '../command.js';
import { parseFlags } from '../parse-flags.js';

const usage = `Usage: trunk-reactor bridge genesys-cloud --config FILE [--instance-id ID]
       trunk-reactor bridge genesys-cloud --config FILE --check
       trunk-reactor bridge genesys-cloud --template

Bridges BYOC trunk metrics from a Genesys Cloud org into Kafka as trunk utilization events
(docs/events.md), keyed by trunk id: the org's EXTERNAL trunks, their metrics notification
topics, each trunk base's edge instances summed per eventTime, and the latest samples read from
REST after every reconnect and on a timer, so a dropped socket loses nothing it can get back.
Each trunk base's id, group, region, site and capacity come from bridge.genesysCloud.trunks.

  --config FILE      the config (YAML) with a bridge.genesysCloud section and the kafka section;
                     TRUNK_REACTOR_… env overrides apply
  --instance-id ID   names this instance in logs and the Kafka client id (default: random)
  --check            list the org's trunk bases and what each maps to (✓) or not (✗), with
                     entries to fill in for the unmapped; exit 1 when one is unmapped. No Kafka
  --template         print a bridge config to start from

The admin server (admin.host:bridge.genesysCloud.adminPort, 127.0.0.1:9465 by default) serves
/metrics, /healthz and /readyz (ready: every notification channel open and Kafka taking events).
On a terminal one line shows progress. Runs until SIGTERM or SIGINT, then sends what it holds
within shutdownTimeoutMs. Size its heap with NODE_OPTIONS='--max-old-space-size=128
--max-semi-space-size=4' (as docker-compose.yml's bridge service does); on V8's defaults its RSS
grows some 40–90 MiB larger. docs/bridge-genesys-cloud.md: the OAuth client, the mapping, each fault.`;

const PROGRESS_MS = 500;

const command: Command = {
  name: 'bridge',
  example: 'trunk-reactor bridge genesys-cloud --template',
  usage,
  async run(argv) {
    const { values, positionals } = parseFlags(
      argv,
      {
        config: { type: 'string' },
        'instance-id': { type: 'string' },
        check: { type: 'boolean', default: false },
        template: { type: 'boolean', default: false },
      },
      true,
    );
    if (positionals[0] !== 'genesys-cloud')
      throw new UsageError(
        positionals[0] === undefined
          ? 'name the source: genesys-cloud'
          : `unknown bridge source '${positionals[0]}'; use genesys-cloud`,
      );
    if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`);
    if (values.template) {
      if (values.config !== undefined || values.check) throw new UsageError('--template takes no other flag');
      process.stdout.write(BRIDGE_CONFIG_TEMPLATE);
      return EXIT.OK;
    }
    if (values.config === undefined) throw new UsageError('--config FILE is required');

    let loaded: LoadedConfig;
    try {
      loaded = loadConfig(values.config, process.env, undefined, { wfm: false, admin: false, bridge: true });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      process.stderr.write(`trunk-reactor bridge: ${err.message}\n`);
      return EXIT.CONFIG;
    }
    if (values.check) return check(loaded);
    return serve(loaded, values['instance-id'] ?? randomUUID().slice(0, 8));
  },
};

async function check(loaded: LoadedConfig): Promise<number> {
  const g = loaded.config.bridge.genesysCloud!;
  const http = new GenesysHttp({
    apiBaseUrl: g.apiBaseUrl ?? `https://api.${g.region}`,
    loginBaseUrl: g.loginBaseUrl ?? `https://login.${g.region}`,
    clientId: g.clientId,
    clientSecret: loaded.secrets.bridgeClientSecret ?? '',
  });
  try {
    const report = await checkMapping(http, g, new AbortController().signal);
    process.stdout.write(`${formatMappingCheck(report)}\n`);
    return report.unmapped > 0 || report.unused.length > 0 ? EXIT.FINDINGS : EXIT.OK;
  } catch (err) {
    process.stderr.write(`trunk-reactor bridge --check: ${http.redact((err as Error).message)}\n`);
    return EXIT.RUNTIME;
  } finally {
    await http.close();
  }
}

async function serve(loaded: LoadedConfig, instanceId: string): Promise<number> {
  const { config } = loaded;
  const g = config.bridge.genesysCloud!;
  const logger = createLogger({
    level: config.log.level,
    scrubber: loaded.scrubber,
    ...(config.log.pretty !== undefined ? { pretty: config.log.pretty } : {}),
  }).child({ instance: instanceId, role: 'bridge' });
  for (const o of loaded.overrides) logger.info({ override: o }, 'config override from the environment');
  const metrics = createMetrics();
  const bridgeMetrics = createBridgeMetrics(metrics.registry);
  const { bridge, http, topic, apiBaseUrl } = bridgeFromConfig(loaded, {
    clock: systemClock,
    logger,
    metrics: bridgeMetrics,
  });
  const admin = await startAdminServer({
    host: config.admin.host,
    port: g.adminPort,
    metrics,
    readiness: [
      { name: 'channels', probe: () => bridge.readiness().channels },
      { name: 'kafka', probe: () => bridge.readiness().kafka },
    ],
  });
  logger.info({ url: admin.url, topic, genesys: apiBaseUrl }, 'admin server: /metrics /healthz /readyz');
  const signalled = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  const stopProgress = progress(bridge);
  const starting = bridge.start();
  // a start the signal overtook is stopped below; its failure then is no news
  starting.catch(() => {});
  try {
    await Promise.race([starting, signalled]);
  } catch (err) {
    stopProgress();
    const message = http.redact((err as Error).message);
    logger.fatal({ err: { message, code: (err as { code?: unknown }).code } }, 'the bridge could not start');
    process.stderr.write(`trunk-reactor bridge: ${message}\n`);
    await admin.close();
    await http.close();
    return exitSoon(EXIT.RUNTIME);
  }
  const why = await signalled;
  stopProgress();
  logger.info({ signal: why, shutdownTimeoutMs: config.shutdownTimeoutMs }, 'stopping');
  const { unsent } = await bridge.stop(Date.now() + config.shutdownTimeoutMs);
  await admin.close();
  await http.close();
  logger.info({ ...bridge.stats, unsent }, 'stopped');
  return exitSoon(unsent > 0 ? EXIT.RUNTIME : EXIT.OK);
}

/** One line of progress on stderr while it is a terminal; returns what ends it. */
function progress(bridge: GenesysTrunkBridge): () => void {
  if (process.stderr.isTTY !== true) return () => {};
  const timer = setInterval(
    () => process.stderr.write(`\r${progressLine(bridge.progress())}\x1b[K`),
    PROGRESS_MS,
  );
  timer.unref();
  return () => {
    clearInterval(timer);
    process.stderr.write(`\r${progressLine(bridge.progress())}\x1b[K\n`);
  };
}

/** Sockets kafkajs or undici left behind must not keep a stopped process alive. */
function exitSoon(code: number): number {
  setTimeout(() => process.exit(code), 1_000).unref();
  return code;
}

export default command;
