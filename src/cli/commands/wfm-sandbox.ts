import { readFileSync } from 'node:fs';
import { startSandbox } from '../../sandbox/server.js';
import { parseInstant } from '../../time/instant.js';
import { ScheduleSnapshot } from '../../wfm/snapshot.js';
import { type Command, EXIT, UsageError } from '../command.js';
import { parseFlags } from '../parse-flags.js';

const usage = `Usage: trunk-reactor wfm-sandbox [--port N] [--host H] [--data state.json] [--schedule snapshot.json]
                                 [--clock ISO] [--frozen] [--no-publish-lock] [--opaque-conflicts]
                                 [--rate-limit N] [--token T]...

  --port N             port to listen on (default 8080; 0 picks a free one)
  --host H             address to bind (default 127.0.0.1)
  --data FILE          load state from FILE if it exists, and save every change to it
  --schedule FILE      start from this schedule snapshot (default: a built-in APAC demo schedule)
  --clock ISO          start the virtual clock at this instant (needs an offset), e.g. 2026-11-29T01:50:00+08:00
  --frozen             keep the virtual clock still until /_sandbox/clock moves it
  --no-publish-lock    let writes through while the publish window is open (only version races then)
  --opaque-conflicts   answer every 409 as a bare SCHEDULE_CONFLICT, like a less helpful WFM
  --rate-limit N       requests per minute per client (default 300; 0 = unlimited)
  --token T            accept this static bearer token (repeatable; default: sandbox-token)

The contract is served under /wfm/api/v2; admin routes under /_sandbox (see docs/wfm-contract.md).`;

const command: Command = {
  name: 'wfm-sandbox',
  example: 'trunk-reactor wfm-sandbox --port 8080 --clock 2026-11-29T01:50:00+08:00',
  usage,
  async run(argv) {
    const { values } = parseFlags(argv, {
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
    });
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError(`--port must be 0..65535, got '${values.port}'`);
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
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await running.close();
    process.stdout.write('WFM sandbox stopped\n');
    return EXIT.OK;
  },
};

export default command;
