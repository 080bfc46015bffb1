import { readFileSync } from 'node:fs';
import { startGenesysSandbox } from '../../sandbox/genesys-cloud/server.js';
import type { TrunkScenarioOptions } from '../../sandbox/genesys-cloud/trunk-options.js';
import { TrunkScenarioError } from '../../sandbox/genesys-cloud/trunk-timeline.js';
import { startSandbox } from '../../sandbox/server.js';
import { parseInstant } from '../../time/instant.js';
import { ScheduleSnapshot } from '../../wfm/snapshot.js';
import { type Command, EXIT, UsageError } from '../command.js';
import { parseFlags } from '../parse-flags.js';

const usage = `Usage: trunk-reactor wfm-sandbox [--flavor contract|genesys-cloud] [--port N] [--host H]
                                 [--data state.json] [--schedule snapshot.json] [--clock ISO] [--frozen]
                                 [--rate-limit N] [--no-publish-lock] [--opaque-conflicts] [--token T]...
                                 [--login-port N] [--trunk-events FILE | --trunk-synthetic N [--trunk-seconds S]]
                                 [--trunk-edges N] [--trunk-play SPEED]

  --flavor F           contract (default): the project's own WFM contract;
                       genesys-cloud: an emulated Genesys Cloud WFM (schedule uploads, versions,
                       notification channels), e.g. trunk-reactor wfm-sandbox --flavor genesys-cloud
  --port N             port to listen on (default 8080; 0 picks a free one)
  --host H             address to bind (default 127.0.0.1)
  --data FILE          load state from FILE if it exists, and save every change to it
  --schedule FILE      start from this schedule snapshot (default: a built-in APAC demo schedule)
  --clock ISO          start the virtual clock at this instant (needs an offset), e.g. 2026-11-29T01:50:00+08:00
  --frozen             keep the virtual clock still until /_sandbox/clock moves it
  --no-publish-lock    let writes through while the publish window is open (only version races then)
  --opaque-conflicts   answer every 409 as a bare SCHEDULE_CONFLICT, like a less helpful WFM
  --rate-limit N       requests per minute per client, per token for genesys-cloud (default 300; 0 = unlimited)
  --token T            accept this static bearer token (repeatable; default: sandbox-token)
  --login-port N       genesys-cloud: the login host's port (default the next port; 0 with --port 0)
  --trunk-events FILE  genesys-cloud: the trunk events (NDJSON) whose trunks the org holds and whose
                       samples its trunk metrics topics play (default config/demo/apac-events.ndjson)
  --trunk-synthetic N  genesys-cloud: instead, N synthetic trunk instances, one sample a second each
  --trunk-seconds S    genesys-cloud: how long the synthetic load lasts, in its own seconds (default 600)
  --trunk-edges N      genesys-cloud: trunk instances per trunk base, one per edge (default 2)
  --trunk-play SPEED   genesys-cloud: play the trunk samples at once, SPEED seconds of eventTime a
                       second (default: wait for POST /_sandbox/trunks/play)

--no-publish-lock, --opaque-conflicts and --token are for the contract flavour only, --login-port and
--trunk-* for genesys-cloud only.
The contract is served under /wfm/api/v2, admin routes under /_sandbox (docs/wfm-contract.md).
genesys-cloud serves /api/v2 and the channels' sockets on --port, POST /oauth/token on
--login-port, admin routes under /_sandbox (docs/wfm-genesys-cloud.md).`;

const FLAVORS = ['contract', 'genesys-cloud'] as const;
const CONTRACT_ONLY = ['no-publish-lock', 'opaque-conflicts', 'token'] as const;
const GENESYS_ONLY = [
  'login-port',
  'trunk-events',
  'trunk-synthetic',
  'trunk-seconds',
  'trunk-edges',
  'trunk-play',
] as const;

const command: Command = {
  name: 'wfm-sandbox',
  example: 'trunk-reactor wfm-sandbox --port 8080 --clock 2026-11-29T01:50:00+08:00',
  usage,
  async run(argv) {
    const { values } = parseFlags(argv, {
      flavor: { type: 'string', default: 'contract' },
      'login-port': { type: 'string' },
      port: { type: 'string', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      data: { type: 'string' },
      schedule: { type: 'string' },
      clock: { type: 'string' },
      frozen: { type: 'boolean', default: false },
      'no-publish-lock': { type: 'boolean', default: false },
      'opaque-conflicts': { type: 'boolean', default: false },
      'rate-limit': { type: 'string' },
      token: { type: 'string', multiple: true },
      'trunk-events': { type: 'string' },
      'trunk-synthetic': { type: 'string' },
      'trunk-seconds': { type: 'string' },
      'trunk-edges': { type: 'string' },
      'trunk-play': { type: 'string' },
    });
    const flavor = values.flavor as string;
    if (!(FLAVORS as readonly string[]).includes(flavor))
      throw new UsageError(`--flavor must be ${FLAVORS.join(' or ')}, got '${flavor}'`);
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError(`--port must be 0..65535, got '${values.port}'`);
    const loginPort =
      values['login-port'] === undefined ? (port === 0 ? 0 : port + 1) : Number(values['login-port']);
    if (!Number.isInteger(loginPort) || loginPort < 0 || loginPort > 65535)
      throw new UsageError(`--login-port must be 0..65535, got '${values['login-port']}'`);
    if (flavor === 'genesys-cloud') {
      const given = CONTRACT_ONLY.find((f) => values[f] !== undefined && values[f] !== false);
      if (given)
        throw new UsageError(
          `--${given} is for the contract flavour; --flavor genesys-cloud has no such switch`,
        );
    } else {
      const given = GENESYS_ONLY.find((f) => values[f] !== undefined);
      if (given) throw new UsageError(`--${given} is for --flavor genesys-cloud`);
    }
    const rateLimit = values['rate-limit'] === undefined ? undefined : Number(values['rate-limit']);
    if (rateLimit !== undefined && !(rateLimit >= 0))
      throw new UsageError(`--rate-limit must be a number ≥ 0, got '${values['rate-limit']}'`);
    let clockStart: number | undefined;
    if (typeof values.clock === 'string') {
      try {
        clockStart = parseInstant(values.clock);
      } catch (err) {
        throw new UsageError(`--clock: ${(err as Error).message}`);
      }
    }
    let snapshot: ScheduleSnapshot | undefined;
    if (typeof values.schedule === 'string') {
      const parsed = ScheduleSnapshot.safeParse(JSON.parse(readFileSync(values.schedule, 'utf8')));
      if (!parsed.success) {
        process.stderr.write(
          `${values.schedule}: not a schedule snapshot: ${parsed.error.issues[0]?.message}\n`,
        );
        return EXIT.CONFIG;
      }
      snapshot = parsed.data;
    }
    if (flavor === 'genesys-cloud') {
      return serveGenesys({
        trunks: trunkOptions(values),
        port,
        loginPort,
        host: values.host as string,
        ...(typeof values.data === 'string' ? { dataFile: values.data } : {}),
        ...(snapshot ? { snapshot } : {}),
        ...(clockStart !== undefined ? { clockStart } : {}),
        clockFrozen: values.frozen === true,
        ...(rateLimit !== undefined
          ? { behaviour: { rateLimitPerMinute: rateLimit, rateLimitBurst: Math.max(1, rateLimit) } }
          : {}),
      });
    }
    const running = await startSandbox({
      port,
      host: values.host as string,
      ...(typeof values.data === 'string' ? { dataFile: values.data } : {}),
      ...(snapshot ? { snapshot } : {}),
      ...(clockStart !== undefined ? { clockStart } : {}),
      clockFrozen: values.frozen === true,
      behaviour: {
        publishLock: values['no-publish-lock'] !== true,
        opaqueConflicts: values['opaque-conflicts'] === true,
        ...(rateLimit !== undefined
          ? { rateLimitPerMinute: rateLimit, rateLimitBurst: Math.max(1, rateLimit) }
          : {}),
      },
      ...(Array.isArray(values.token) ? { tokens: values.token } : {}),
    });
    process.stdout.write(
      `WFM sandbox listening on ${running.baseUrl}\n` +
        `  admin: ${running.url}/_sandbox/{health,state,ledger,clock,faults,behaviour,publish-window,stats}\n` +
        `  ${running.sandbox.store.size} shifts; virtual clock ${new Date(running.sandbox.clock.now()).toISOString()}\n`,
    );
    await untilStopped();
    await running.close();
    process.stdout.write('WFM sandbox stopped\n');
    return EXIT.OK;
  },
};

function positive(values: Record<string, unknown>, flag: string, integer: boolean): number | undefined {
  const v = values[flag];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!(n > 0) || (integer && !Number.isInteger(n)))
    throw new UsageError(`--${flag} must be a ${integer ? 'whole ' : ''}number > 0, got '${v}'`);
  return n;
}

/** The trunk metrics scenario the --trunk-* flags ask for. */
function trunkOptions(values: Record<string, unknown>): TrunkScenarioOptions {
  const instances = positive(values, 'trunk-synthetic', true);
  const seconds = positive(values, 'trunk-seconds', false);
  if (instances !== undefined && values['trunk-events'] !== undefined)
    throw new UsageError('--trunk-events and --trunk-synthetic are two scenarios: give one');
  if (seconds !== undefined && instances === undefined)
    throw new UsageError('--trunk-seconds is for --trunk-synthetic');
  const edges = positive(values, 'trunk-edges', true);
  const playSpeed = positive(values, 'trunk-play', false);
  return {
    ...(typeof values['trunk-events'] === 'string' ? { eventsFile: values['trunk-events'] } : {}),
    ...(instances !== undefined
      ? { synthetic: { instances, ...(seconds !== undefined ? { seconds } : {}) } }
      : {}),
    ...(edges !== undefined ? { edges } : {}),
    ...(playSpeed !== undefined ? { playSpeed } : {}),
  };
}

function untilStopped(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

async function serveGenesys(options: Parameters<typeof startGenesysSandbox>[0]): Promise<number> {
  let running: Awaited<ReturnType<typeof startGenesysSandbox>>;
  try {
    running = await startGenesysSandbox(options);
  } catch (err) {
    if (!(err instanceof TrunkScenarioError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return EXIT.CONFIG;
  }
  const bu = running.wfm.store.state.businessUnit;
  const trunks = running.trunks;
  const external = trunks.org.bases.filter((b) => b.trunkType === 'EXTERNAL');
  process.stdout.write(
    `Genesys Cloud WFM sandbox (emulated) listening\n` +
      `  API host:   ${running.apiBaseUrl}  (routes under /api/v2; channel sockets at ${running.streamingUrl}/channels/{id})\n` +
      `  login host: ${running.loginUrl}  (POST /oauth/token, client credentials)\n` +
      `  admin: ${running.url}/_sandbox/{health,state,ledger,clock,faults,behaviour,publish-window,stats,operations,scheduling-runs,notifications,clients,trunks}\n` +
      `  business unit ${bu.id} (${bu.timeZone}, weeks from ${bu.startDayOfWeek}), ${running.wfm.store.state.schedules.length} schedules; ` +
      `virtual clock ${new Date(running.wfm.clock.now()).toISOString()}\n` +
      `  trunks: ${external.length} BYOC trunk bases, ${trunks.edges} edges each, ${trunks.timeline.length} events to play from ${trunks.timeline.source}; ` +
      `${trunks.playback.state === 'playing' ? `playing at ${trunks.playback.speed}×` : 'waiting for POST /_sandbox/trunks/play'}\n`,
  );
  await untilStopped();
  await running.close();
  process.stdout.write('Genesys Cloud WFM sandbox stopped\n');
  return EXIT.OK;
}

export default command;
