import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { type DemoSummary, runDemo } from '../../demo/demo-run.js';
import { DEMO_WFM_KINDS, type DemoWfmKind } from '../../demo/demo-wfm.js';
import { summaryTable } from '../../demo/summary.js';
import { createLogger } from '../../observability/logger.js';
import { formatLocal } from '../../time/local-format.js';
import { type Command, EXIT, UsageError } from '../command.js';
import { parseFlags } from '../parse-flags.js';

const asset = (p: string) => fileURLToPath(new URL(`../../../${p}`, import.meta.url));

const DEFAULT_ADMIN_PORT = 9464;

const usage = `Usage: trunk-reactor demo [--rules FILE] [--schedule FILE] [--events FILE] [--other-integration SHARE]
                          [--source memory|kafka|genesys-cloud] [--topic-prefix P] [--wfm contract|genesys-cloud]
                          [--admin-port PORT] [--pace MS] [--hold] [--json]

Replays a recorded APAC scenario — 15 BYOC trunks, an Asia/Singapore team, a surge, a quiet
spell and the Sunday 02:00 SGT publish window — through the real rules engine, planner and
writer into an in-process WFM sandbox over HTTP, and ends with a summary table. While it runs,
the status page (utilization against the rules' thresholds, every adjustment with its reason,
the kill switch) is served at http://127.0.0.1:PORT/.

Without KAFKA_BROKERS it needs no Kafka and no Docker: the events go straight into the rules
engine in this process. With KAFKA_BROKERS=host:port[,…] set, the same story is produced into
fresh topics (<prefix>.events, .repartition, .intents, .adjustments, .outcomes, …) and consumed
by the real Kafka pipeline of \`trunk-reactor run\` (repartition → rules → planning → writer, transactions and
all), one minute of event time at a time, and the topics are deleted at the end.

With --source genesys-cloud (KAFKA_BROKERS needed) the events start in an emulated Genesys Cloud
org, the one the WFM lives in: its BYOC trunks (two edges each) publish the story as trunk metrics
notifications, \`trunk-reactor bridge genesys-cloud\` reads them and produces the events into
Kafka, and the summary adds what the bridge did. Once in the story the bridge's socket is dropped:
what it missed comes back from the REST read after the reconnect.

  --source memory|kafka|genesys-cloud
                            where the events come from and travel (default: kafka when
                            KAFKA_BROKERS is set, else memory); --source memory ignores
                            KAFKA_BROKERS; genesys-cloud: from the emulated org's trunk metrics
                            through the bridge and Kafka
  --topic-prefix P          Kafka topics and groups named P.*, which must not exist yet; kept at
                            the end (default trunk-reactor-demo-<random>, deleted at the end)
  --wfm contract|genesys-cloud
                            the WFM written to (default contract; genesys-cloud with --source
                            genesys-cloud): the seed contract's sandbox, or an emulated Genesys
                            Cloud org built from the same schedule, written through uploads of
                            whole agent schedules; the summary says what the uploads did
  --rules FILE              rules file (default config/rules.apac.yaml)
  --schedule FILE           schedule snapshot (default config/demo/apac-schedule.json)
  --events FILE             events, NDJSON (default config/demo/apac-events.ndjson)
  --other-integration SHARE another integration changes this share (0–1) of the shifts the reactor
                            writes (with genesys-cloud: of the agent schedules), between the
                            reactor's read and its write, so those writes meet a version conflict
                            and re-apply their intent (default 0.5)
  --admin-port PORT         status page and admin endpoints on 127.0.0.1:PORT (default ${DEFAULT_ADMIN_PORT},
                            a free one if that is taken; 0 = a free port)
  --pace MS                 wait MS real milliseconds per minute of event time, to watch it (default 0)
  --hold                    after the summary, keep serving the status page until Ctrl-C
  --json                    print the summary as JSON`;

function printSummary(s: DemoSummary, json: boolean): void {
  if (json) {
    const { outcomeRecords: _omit, ...rest } = s;
    process.stdout.write(`${JSON.stringify(rest, null, 2)}\n`);
  } else {
    process.stdout.write(`\n${summaryTable(s)}\n`);
  }
}

function untilInterrupted(): Promise<void> {
  process.stderr.write('holding: the status page stays up until Ctrl-C\n');
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

const command: Command = {
  name: 'demo',
  example: 'trunk-reactor demo --source memory --wfm genesys-cloud',
  usage,
  async run(argv) {
    const { values } = parseFlags(argv, {
      rules: { type: 'string', default: asset('config/rules.apac.yaml') },
      schedule: { type: 'string', default: asset('config/demo/apac-schedule.json') },
      events: { type: 'string', default: asset('config/demo/apac-events.ndjson') },
      'other-integration': { type: 'string', default: '0.5' },
      'admin-port': { type: 'string' },
      pace: { type: 'string', default: '0' },
      hold: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      source: { type: 'string' },
      'topic-prefix': { type: 'string' },
      wfm: { type: 'string' },
    });
    const brokers = process.env.KAFKA_BROKERS?.trim();
    const source = values.source ?? (brokers ? 'kafka' : 'memory');
    if (source !== 'memory' && source !== 'kafka' && source !== 'genesys-cloud')
      throw new UsageError(`--source must be memory, kafka or genesys-cloud, got '${source}'`);
    if (source === 'kafka' && !brokers)
      throw new UsageError('--source kafka needs the brokers in KAFKA_BROKERS=host:port[,host:port…]');
    if (source === 'genesys-cloud' && !brokers)
      throw new UsageError(
        '--source genesys-cloud needs Kafka: the bridge produces the trunk metrics into a topic the reactor consumes; set KAFKA_BROKERS=host:port[,host:port…] (npm run kafka:start starts a local broker)',
      );
    const viaKafka = source !== 'memory';
    const topicPrefix = values['topic-prefix'] as string | undefined;
    if (topicPrefix !== undefined && !/^[A-Za-z0-9._-]{1,200}$/.test(topicPrefix))
      throw new UsageError(`--topic-prefix must be letters, digits, '.', '_' or '-', got '${topicPrefix}'`);
    if (topicPrefix !== undefined && !viaKafka)
      throw new UsageError('--topic-prefix needs the Kafka demo: set KAFKA_BROKERS (or --source kafka)');
    const wfm =
      (values.wfm as string | undefined) ?? (source === 'genesys-cloud' ? 'genesys-cloud' : 'contract');
    if (!(DEMO_WFM_KINDS as readonly string[]).includes(wfm))
      throw new UsageError(`--wfm must be ${DEMO_WFM_KINDS.join(' or ')}, got '${wfm}'`);
    if (source === 'genesys-cloud' && wfm !== 'genesys-cloud')
      throw new UsageError(
        `--source genesys-cloud reads the trunk metrics of the emulated org that also holds the WFM: use --wfm genesys-cloud (got '${wfm}')`,
      );
    const share = Number(values['other-integration']);
    if (!(share >= 0 && share <= 1))
      throw new UsageError(
        `--other-integration is the share of the shifts written that another integration changes first, from 0 to 1, got '${values['other-integration']}'`,
      );
    const portText = values['admin-port'] as string | undefined;
    const port = portText === undefined ? DEFAULT_ADMIN_PORT : Number(portText);
    if (!Number.isInteger(port) || port < 0 || port > 65_535)
      throw new UsageError(`--admin-port must be a port number 0-65535, got '${portText}'`);
    const pace = Number(values.pace);
    if (!(pace >= 0))
      throw new UsageError(`--pace must be a number of milliseconds ≥ 0, got '${values.pace}'`);
    const tty = process.stderr.isTTY === true;
    let printed = 0;
    // the business unit's, from the schedule the sandbox serves: progress tells its time
    let zone = 'UTC';
    const summary = await runDemo({
      ...(source === 'genesys-cloud' ? { trunkMetrics: 'genesys-cloud' as const } : {}),
      ...(viaKafka
        ? {
            kafka: {
              brokers: (brokers ?? '').split(',').map((b) => b.trim()),
              ...(topicPrefix !== undefined ? { topicPrefix } : {}),
              // the pipeline's errors only, on stderr: stdout carries the summary
              logger: createLogger({ level: 'error', pretty: false, destination: pino.destination(2) }),
            },
          }
        : {}),
      rulesFile: values.rules as string,
      scheduleFile: values.schedule as string,
      eventsFile: values.events as string,
      otherIntegrationShare: share,
      wfm: wfm as DemoWfmKind,
      onWfm: (w) => {
        zone = w.zone;
        const what =
          w.kind === 'genesys-cloud'
            ? 'Genesys Cloud sandbox (emulated, in-process)'
            : 'WFM sandbox (in-process)';
        process.stderr.write(`${what}: ${w.url}\n`);
        if (source === 'genesys-cloud')
          process.stderr.write(`trunk metrics from its trunks, through the bridge and Kafka at ${brokers}\n`);
        else if (source === 'kafka') process.stderr.write(`events through Kafka at ${brokers}\n`);
      },
      admin: { host: '127.0.0.1', port, anyPortIfBusy: portText === undefined },
      paceMs: pace,
      onAdmin: (a) => process.stderr.write(`status page: ${a.url}/\n`),
      whileServing: async (s) => {
        if (tty) process.stderr.write('\n');
        printSummary(s, values.json === true);
        if (values.hold) await untilInterrupted();
      },
      progress: (done, total, now) => {
        const verb =
          source === 'genesys-cloud'
            ? 'through the bridge: trunk samples'
            : source === 'kafka'
              ? 'through Kafka: events'
              : 'replaying: events';
        const line = `${verb} ${done}/${total} · event time ${formatLocal(now, zone)}`;
        if (tty) process.stderr.write(`\r${line}`);
        else if (done === total || Math.floor(done / 500) > Math.floor(printed / 500)) {
          process.stderr.write(`${line}\n`);
          printed = done;
        }
      },
    });
    const lost = summary.adjustments - Object.values(summary.outcomes).reduce((a, b) => a + b, 0);
    return lost === 0 ? EXIT.OK : EXIT.RUNTIME;
  },
};

export default command;
