import { ConfigError } from '../../../config/load.js';
import { systemClock } from '../../../time/clock.js';
import { formatLocal } from '../../../time/local-format.js';
import { wfmFromConfig } from '../../../wfm/from-config.js';
import { GenesysCloudWfm } from '../../../wfm/genesys-cloud/backend.js';
import type { Org } from '../../../wfm/genesys-cloud/org.js';
import { SecretRedactor } from '../../../wfm/redact.js';
import { EXIT } from '../../command.js';
import { checkCodes } from './codes.js';
import { failure, LoginFailed } from './failure.js';
import type { CheckInput } from './inputs.js';
import { checkNotifications } from './notifications.js';
import { type BusinessUnitFacts, checkUnits, DAY_NAMES, readBusinessUnit } from './org.js';
import { checkPermissions } from './permissions.js';
import { type CheckReport, type CheckSection, type Mark, Section } from './report.js';
import { checkSchedules } from './schedules.js';
import { checkTeams } from './teams.js';
import { lifetimeText, logIn } from './token.js';

/** Reads the org of `loaded`'s wfm.genesysCloud and reports on it; writes nothing. */
export async function checkGenesysOrg(input: CheckInput): Promise<CheckReport> {
  const { config, secrets } = input.loaded;
  const gc = config.wfm.genesysCloud!;
  const clock = input.clock ?? systemClock;
  const now = clock.now();
  const apiBaseUrl = gc.apiBaseUrl ?? `https://api.${gc.region}`;
  const loginBaseUrl = gc.loginBaseUrl ?? `https://login.${gc.region}`;
  const secret = secrets.wfmClientSecret ?? '';
  const redactor = new SecretRedactor();
  const sections: CheckSection[] = [];
  const section = (id: string, title: string) => {
    const s = new Section(id, title);
    sections.push(s);
    return s;
  };
  let zone = 'UTC';
  let unreachable = false;

  const token = section('token', 'Token');
  let expiresInSeconds: number | undefined;
  try {
    ({ expiresInSeconds } = await logIn(
      gc,
      loginBaseUrl,
      secret,
      clock,
      config.wfm.connectTimeoutMs + config.wfm.headersTimeoutMs + config.wfm.bodyTimeoutMs,
      redactor,
    ));
  } catch (err) {
    const f = failure(err);
    Object.assign(token.data, { clientId: gc.clientId, error: f });
    token.fail(f.message);
    unreachable = err instanceof LoginFailed && err.unreachable;
  }

  if (expiresInSeconds !== undefined) {
    const backend = wfmFromConfig(input.loaded, { clock, gate: { acquire: () => Promise.resolve() } });
    if (!(backend instanceof GenesysCloudWfm)) throw new ConfigError('wfm.kind is not genesys-cloud');
    try {
      const bu = section('business-unit', 'Business unit');
      let buFacts: BusinessUnitFacts | undefined;
      try {
        buFacts = await readBusinessUnit(backend, gc.businessUnitId);
        bu.data.id = gc.businessUnitId;
        Object.assign(bu.data, buFacts);
      } catch (err) {
        const f = failure(err);
        bu.data.error = f;
        bu.fail(`${gc.businessUnitId}: cannot be read: ${f.message}`);
      }
      const units = section('management-units', 'Management units');
      let org: Org | undefined;
      try {
        org = await backend.org();
        zone = org.zone;
        checkUnits(units, org);
      } catch (err) {
        const f = failure(err);
        units.data.error = f;
        units.fail(`the business unit cannot be discovered as the backend reads it: ${f.message}`);
      }
      if (buFacts) {
        const weekStart = org ? DAY_NAMES[org.weekStart - 1] : buFacts.startDayOfWeek;
        bu.ok(
          `${buFacts.name} (${gc.businessUnitId}): time zone ${org?.zone ?? buFacts.timeZone ?? 'unknown'}, weeks start on ${weekStart ?? 'an unknown day'}`,
        );
      }
      const lifetime = lifetimeText(expiresInSeconds);
      token.data.clientId = gc.clientId;
      token.data.expiresInSeconds = expiresInSeconds;
      token.data.expiresAt = new Date(now + expiresInSeconds * 1000).toISOString();
      token.ok(
        `obtained for OAuth client ${gc.clientId}: lives ${lifetime}, until ${formatLocal(now + expiresInSeconds * 1000, zone)}`,
      );

      const teams = section('teams', 'Teams');
      const schedules = section('schedules', 'Published schedules');
      const codes = section('activity-codes', 'Activity codes');
      if (org) {
        await checkTeams(teams, backend, gc, org, input.teams, now);
        await checkSchedules(schedules, backend, gc.businessUnitId, org, now);
        checkCodes(codes, org, gc.activityTypes);
      } else {
        for (const s of [teams, schedules, codes])
          s.info('not checked: the business unit could not be discovered (above)');
      }
      await checkNotifications(section('notifications', 'Notifications'), backend, gc);
      await checkPermissions(section('permissions', 'Permissions'), backend, gc, buFacts?.divisionId);
    } finally {
      await backend.close();
    }
  }

  // A second belt: no line or datum carries a secret even if a server echoed one.
  const clean = (text: string) => redactor.text(text);
  const count = (mark: Mark) =>
    sections.reduce((n, s) => n + s.lines.filter((l) => l.mark === mark).length, 0);
  const errors = count('error');
  return {
    ok: errors === 0,
    exitCode: unreachable ? EXIT.RUNTIME : errors > 0 ? EXIT.FINDINGS : EXIT.OK,
    checkedAt: new Date(now).toISOString(),
    apiBaseUrl,
    businessUnitId: gc.businessUnitId,
    clientId: gc.clientId,
    timeZone: zone,
    errors,
    warnings: count('warning'),
    sections: sections.map(({ id, title, lines, data }) => ({
      id,
      title: clean(title),
      lines: lines.map((l) => ({ mark: l.mark, text: clean(l.text) })),
      data: JSON.parse(clean(JSON.stringify(data))) as Record<string, unknown>,
    })),
  };
}
