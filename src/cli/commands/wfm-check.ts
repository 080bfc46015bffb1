import { ConfigError, type LoadedConfig, loadConfig } from '../../config/load.js';
import { Config } from '../../config/schema.js';
import { type Command, EXIT, UsageError } from '../command.js';
import { parseFlags } from '../parse-flags.js';
import { checkGenesysOrg } from './wfm-check/check.js';
import { formatReport } from './wfm-check/format.js';
import type { CheckInput } from './wfm-check/inputs.js';
import { ROLE_VIEW } from './wfm-check/permissions.js';
import { teamsOfRules } from './wfm-check/teams.js';

export { checkGenesysOrg } from './wfm-check/check.js';
export { formatReport } from './wfm-check/format.js';
export type { CheckInput, TeamsToCheck } from './wfm-check/inputs.js';
export type { CheckLine, CheckReport, CheckSection, Mark } from './wfm-check/report.js';

const usage = `Usage: trunk-reactor wfm check --config FILE [--json]
       trunk-reactor wfm check --sandbox [--json]

Reads the Genesys Cloud org of the config's wfm.genesysCloud section and says, line by line,
whether the backend can work with it. It reads only: it writes no schedule and uploads nothing.
The one thing it creates is a notification channel to try the topics on; it removes the
channel's subscriptions at the end (a channel cannot be deleted; an unused one expires).

  Token             the client-credentials login: how long the token lives, the OAuth client id
  Business unit     name, time zone, the day weeks start on
  Management units  each unit with its number of users
  Teams             where team ids come from (wfm.genesysCloud.teams); each team the rules
                    files name is read (teams-api) or found (management-units, map)
  Schedules         the published schedules covering this week and the next, and the one
                    writes go through
  Activity codes    the codes per category, and the code each activity type is written as
  Notifications     the topics the backend subscribes to, accepted or refused
  Permissions       the permissions of the OAuth client's roles against what the backend needs
                    (reading them needs authorization:role:view)

  ✓ fine   ! works, with a limit worth knowing   ✗ the backend cannot do part of its work

  --config FILE  the service's config; wfm.kind must be genesys-cloud
  --sandbox      check an emulated org started in this process (the one
                 \`trunk-reactor wfm-sandbox --flavor genesys-cloud\` serves) instead; its client
                 may read its own role, and the teams checked are the org's own
  --json         print one JSON object instead of lines (docs/wfm-check.md)

Exit codes: 0 nothing is ✗, 1 something the backend needs is missing (the credentials refused,
a type without a code, no published schedule this week, a refused schedules topic, a missing
permission), 2 wrong arguments, 3 the config cannot be loaded or names no Genesys Cloud org,
4 the login host cannot be reached.`;

/** The emulated org on free ports, its client also allowed to read its own role. */
async function sandboxInput(): Promise<{ input: CheckInput; close: () => Promise<void> }> {
  const { startGenesysSandbox } = await import('../../sandbox/genesys-cloud/server.js');
  const { DEFAULT_GENESYS_CLIENTS } = await import('../../sandbox/genesys-cloud/options.js');
  const clients = DEFAULT_GENESYS_CLIENTS.map((c) => ({ ...c, permissions: [...c.permissions, ROLE_VIEW] }));
  const running = await startGenesysSandbox({ port: 0, loginPort: 0, clients });
  const client = clients[0]!;
  const config = Config.parse({
    wfm: {
      kind: 'genesys-cloud',
      allowInsecureHttp: true,
      genesysCloud: {
        apiBaseUrl: running.apiBaseUrl,
        loginBaseUrl: running.loginUrl,
        businessUnitId: running.wfm.businessUnitId,
        clientId: client.id,
        clientSecret: { env: 'TRUNK_REACTOR_SANDBOX_SECRET' },
      },
    },
  });
  const teams = running.wfm.store.state.teams.map((t) => t.id);
  return {
    input: {
      loaded: { config, secrets: { wfmClientSecret: client.secret } },
      teams: { ids: teams, from: "of the emulated org's teams", unread: [] },
    },
    close: () => running.close(),
  };
}

const command: Command = {
  name: 'wfm',
  example: 'trunk-reactor wfm check --sandbox',
  usage,
  async run(argv) {
    const { values, positionals } = parseFlags(
      argv,
      {
        config: { type: 'string' },
        sandbox: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
      true,
    );
    if (positionals[0] !== 'check')
      throw new UsageError(
        positionals[0] === undefined
          ? 'name what to do: check'
          : `unknown wfm subcommand '${positionals[0]}'; use check`,
      );
    if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`);
    if (values.sandbox === (values.config !== undefined))
      throw new UsageError('give either --config FILE or --sandbox');

    let input: CheckInput;
    let close = async () => {};
    if (values.sandbox) {
      ({ input, close } = await sandboxInput());
    } else {
      let loaded: LoadedConfig;
      try {
        loaded = loadConfig(values.config, process.env);
        if (loaded.config.wfm.kind !== 'genesys-cloud' || !loaded.config.wfm.genesysCloud)
          throw new ConfigError(
            `${values.config}: wfm.kind is ${loaded.config.wfm.kind}; wfm check reads a Genesys Cloud org: set wfm.kind: genesys-cloud and a wfm.genesysCloud section`,
          );
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        process.stderr.write(`trunk-reactor wfm check: ${err.message}\n`);
        return EXIT.CONFIG;
      }
      input = { loaded, teams: await teamsOfRules(loaded.config.rules.files) };
    }
    try {
      const report = await checkGenesysOrg(input);
      process.stdout.write(`${values.json ? JSON.stringify(report) : formatReport(report)}\n`);
      return report.exitCode;
    } finally {
      await close();
    }
  },
};

export default command;
