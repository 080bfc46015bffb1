import { DateTime } from 'luxon';
import { request } from 'undici';
import { ConfigError, type LoadedConfig, loadConfig } from '../../config/load.js';
import { Config } from '../../config/schema.js';
import { compileRules } from '../../rules/compile.js';
import { loadRulesFile } from '../../rules/load.js';
import { RulesFileError } from '../../rules/rules-error.js';
import { ROUTE_PERMISSIONS } from '../../sandbox/genesys-cloud/permissions.js';
import { type Clock, systemClock } from '../../time/clock.js';
import { formatLocal } from '../../time/local-format.js';
import type { ActivityType } from '../../wfm/contract.js';
import { WfmError } from '../../wfm/errors.js';
import { wfmFromConfig } from '../../wfm/from-config.js';
import { DEFAULT_PLACEMENTS, type TypePlacement } from '../../wfm/genesys-cloud/activity-codes.js';
import { GenesysCloudWfm } from '../../wfm/genesys-cloud/backend.js';
import { GenesysLogin } from '../../wfm/genesys-cloud/http.js';
import { GENESYS_CHANNEL_LIMITS } from '../../wfm/genesys-cloud/notification-channel.js';
import { type Org, WFM_PATH } from '../../wfm/genesys-cloud/org.js';
import { chooseSchedule, listSchedules, type ScheduleRef } from '../../wfm/genesys-cloud/schedules.js';
import { SecretRedactor } from '../../wfm/redact.js';
import { type Command, EXIT, UsageError } from '../command.js';
import { parseFlags } from '../parse-flags.js';

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

type GenesysSection = NonNullable<Config['wfm']['genesysCloud']>;

/** What a line says of what it checked. */
export type Mark = 'ok' | 'warning' | 'error' | 'info';
const SYMBOL: Record<Mark, string> = { ok: '✓', warning: '!', error: '✗', info: '·' };

export interface CheckLine {
  mark: Mark;
  text: string;
}

export interface CheckSection {
  id: string;
  title: string;
  lines: CheckLine[];
  data: Record<string, unknown>;
}

export interface CheckReport {
  ok: boolean;
  exitCode: number;
  checkedAt: string;
  apiBaseUrl: string;
  businessUnitId: string;
  clientId: string;
  /** the zone the lines' times are in: the business unit's, UTC when it could not be read */
  timeZone: string;
  errors: number;
  warnings: number;
  sections: CheckSection[];
}

/** The team ids to check and where they were taken from. */
export interface TeamsToCheck {
  ids: string[];
  from: string;
  /** rules files that could not be read, with why */
  unread: Array<{ file: string; reason: string }>;
}

export interface CheckInput {
  loaded: Pick<LoadedConfig, 'config' | 'secrets'>;
  teams: TeamsToCheck;
  clock?: Clock;
}

class Section implements CheckSection {
  readonly lines: CheckLine[] = [];
  readonly data: Record<string, unknown> = {};
  constructor(
    readonly id: string,
    public title: string,
  ) {}
  ok(text: string): void {
    this.lines.push({ mark: 'ok', text });
  }
  warn(text: string): void {
    this.lines.push({ mark: 'warning', text });
  }
  fail(text: string): void {
    this.lines.push({ mark: 'error', text });
  }
  info(text: string): void {
    this.lines.push({ mark: 'info', text });
  }
}

/** The login host refused the client credentials, or could not be asked. */
class LoginFailed extends Error {
  constructor(
    message: string,
    readonly unreachable: boolean,
    readonly status?: number,
    readonly oauthError?: string,
  ) {
    super(message);
    this.name = 'LoginFailed';
  }
}

/** An API failure as the report gives it: the status and Genesys code beside the message. */
interface Failure {
  message: string;
  status?: number;
  code?: string;
}

function failure(err: unknown): Failure {
  if (err instanceof LoginFailed)
    return {
      message: err.message,
      ...(err.status !== undefined ? { status: err.status } : {}),
      ...(err.oauthError !== undefined ? { code: err.oauthError } : {}),
    };
  if (err instanceof WfmError)
    return {
      message: err.message,
      ...(err.status !== undefined ? { status: err.status } : {}),
      ...(err.errorCode !== undefined ? { code: err.errorCode } : { code: err.code }),
    };
  const e = err as { message?: unknown; code?: unknown; status?: unknown } | null;
  return {
    message: typeof e?.message === 'string' ? e.message : String(err),
    ...(typeof e?.status === 'number' ? { status: e.status } : {}),
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
  };
}

// ─── the token ─────────────────────────────────────────────────────────────────────────────

/**
 * Logs in as the backend does (GenesysLogin: HTTP Basic, grant_type=client_credentials), keeping
 * the login host's answer for the token's lifetime, which the backend's own login does not show.
 */
async function logIn(
  gc: GenesysSection,
  loginBaseUrl: string,
  secret: string,
  clock: Clock,
  timeoutMs: number,
  redactor: SecretRedactor,
): Promise<{ expiresInSeconds: number }> {
  let lifetime = 0;
  const login = new GenesysLogin(gc.clientId, secret, clock, async (form, basic) => {
    const origin = new URL(loginBaseUrl).origin;
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(`${origin}/oauth/token`, {
        method: 'POST',
        headers: {
          authorization: basic,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: form,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new LoginFailed(`the login host ${origin} could not be reached: ${(err as Error).message}`, true);
    }
    const text = await res.body.text();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // not JSON: the status says enough
    }
    if (res.statusCode >= 500)
      throw new LoginFailed(`the login host ${origin} answered ${res.statusCode}`, true, res.statusCode);
    if (res.statusCode >= 300) {
      const error = typeof body.error === 'string' ? body.error : undefined;
      const said = body.error_description ?? body.description;
      throw new LoginFailed(
        `the login host ${origin} refused the client credentials of OAuth client '${gc.clientId}': ${res.statusCode}${error ? ` ${error}` : ''}${typeof said === 'string' ? ` (${said})` : ''}; check wfm.genesysCloud.clientId and clientSecret, and that the OAuth client uses the Client Credentials grant`,
        false,
        res.statusCode,
        error,
      );
    }
    if (typeof body.access_token === 'string') redactor.add(body.access_token);
    if (typeof body.expires_in === 'number') lifetime = body.expires_in;
    return body;
  });
  redactor.add(secret);
  for (const s of login.secrets()) redactor.add(s);
  await login.authorization();
  return { expiresInSeconds: lifetime };
}

function lifetimeText(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

// ─── the org ───────────────────────────────────────────────────────────────────────────────

const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

interface BusinessUnitFacts {
  name: string;
  timeZone?: string;
  startDayOfWeek?: string;
  divisionId?: string;
}

async function readBusinessUnit(backend: GenesysCloudWfm, id: string): Promise<BusinessUnitFacts> {
  const body = (await backend.http.api({
    method: 'GET',
    path: `${WFM_PATH}/businessunits/${encodeURIComponent(id)}`,
    query: { expand: 'settings' },
  })) as {
    name?: unknown;
    division?: { id?: unknown };
    settings?: { timeZone?: unknown; startDayOfWeek?: unknown };
  };
  return {
    name: typeof body?.name === 'string' ? body.name : id,
    ...(typeof body?.settings?.timeZone === 'string' ? { timeZone: body.settings.timeZone } : {}),
    ...(typeof body?.settings?.startDayOfWeek === 'string'
      ? { startDayOfWeek: body.settings.startDayOfWeek }
      : {}),
    ...(typeof body?.division?.id === 'string' ? { divisionId: body.division.id } : {}),
  };
}

function checkUnits(s: Section, org: Org): void {
  const units = [...org.units].map(([id, users]) => ({ id, users: users.length }));
  s.data.units = units;
  if (units.length === 0) {
    s.fail('the business unit has no management unit the OAuth client can see: no agent to read or write');
    return;
  }
  for (const u of units) {
    if (u.users === 0) s.warn(`${u.id}: no users`);
    else s.ok(`${u.id}: ${u.users} user${u.users === 1 ? '' : 's'}`);
  }
}

async function checkTeams(
  s: Section,
  backend: GenesysCloudWfm,
  gc: GenesysSection,
  org: Org,
  teams: TeamsToCheck,
  now: number,
): Promise<void> {
  const source = typeof gc.teams === 'string' ? gc.teams : 'map';
  s.title = `Teams (${source}; team ids ${teams.from})`;
  s.data.source = source;
  const checked: Array<Record<string, unknown>> = [];
  s.data.teams = checked;
  for (const u of teams.unread)
    s.warn(`${u.file}: its teams are not checked: ${u.reason} (see trunk-reactor validate ${u.file})`);
  if (teams.ids.length === 0) {
    s.warn('no team to check: the rules files name none');
    return;
  }
  for (const id of teams.ids) {
    if (source === 'teams-api') {
      try {
        const members = await org.members(backend.http, id, now);
        checked.push({ id, members: members.length });
        if (members.length === 0) s.warn(`${id}: no members: rules acting on this team find no agent`);
        else s.ok(`${id}: ${members.length} member${members.length === 1 ? '' : 's'}`);
      } catch (err) {
        const f = failure(err);
        checked.push({ id, error: f });
        s.fail(`${id}: cannot be read: ${f.message}`);
      }
    } else if (source === 'management-units') {
      const users = org.units.get(id);
      checked.push({ id, ...(users ? { members: users.length } : { error: { message: 'not a unit' } }) });
      if (users) s.ok(`${id}: a management unit of ${users.length} user${users.length === 1 ? '' : 's'}`);
      else
        s.fail(
          `${id}: not a management unit of this business unit (its units: ${[...org.units.keys()].join(', ') || 'none'})`,
        );
    } else {
      const users = typeof gc.teams === 'object' ? gc.teams.map[id] : undefined;
      if (!users) {
        checked.push({ id, error: { message: 'not in wfm.genesysCloud.teams.map' } });
        s.fail(`${id}: not in wfm.genesysCloud.teams.map`);
        continue;
      }
      const stray = users.filter((u) => org.unitOf(u) === undefined);
      checked.push({ id, members: users.length, outsideUnits: stray });
      if (stray.length > 0)
        s.warn(
          `${id}: ${stray.length} of its ${users.length} users are in none of the business unit's management units, so their shifts are never read: ${stray.join(', ')}`,
        );
      else s.ok(`${id}: ${users.length} user${users.length === 1 ? '' : 's'}, all in the business unit`);
    }
  }
}

function weekText(week: string, zone: string): string {
  return DateTime.fromISO(week, { zone, locale: 'en-US' }).toFormat('ccc d LLL yyyy');
}

async function checkSchedules(
  s: Section,
  backend: GenesysCloudWfm,
  businessUnitId: string,
  org: Org,
  now: number,
): Promise<void> {
  const thisWeek = org.weekOf(now);
  const nextWeek = DateTime.fromISO(thisWeek, { zone: org.zone }).plus({ weeks: 1 }).toISODate()!;
  const weeks: Array<Record<string, unknown>> = [];
  s.data.weeks = weeks;
  for (const [label, week] of [
    ['this week', thisWeek],
    ['next week', nextWeek],
  ] as const) {
    const from = weekText(week, org.zone);
    let list: ScheduleRef[];
    try {
      list = await listSchedules(backend.http, businessUnitId, week);
    } catch (err) {
      const f = failure(err);
      weeks.push({ week, error: f });
      s.fail(`${label} (from ${from}): the published schedules cannot be listed: ${f.message}`);
      continue;
    }
    const chosen = chooseSchedule(list, week, org.zone);
    weeks.push({
      week,
      schedules: list.map(({ id, weekDate, weekCount, version }) => ({ id, weekDate, weekCount, version })),
      writesThrough: chosen?.id ?? null,
    });
    const describe = (x: ScheduleRef) =>
      `${x.id} (weekDate ${x.weekDate}, ${x.weekCount} week${x.weekCount === 1 ? '' : 's'}, version ${x.version})`;
    if (!chosen) {
      const text = `${label} (from ${from}): no published schedule covers it, so no shift of it can be read or written until one is published`;
      if (label === 'this week') s.fail(text);
      else s.warn(text);
      continue;
    }
    s.ok(`${label} (from ${from}): writes go through ${describe(chosen)}`);
    for (const other of list.filter((x) => x !== chosen && x.published))
      s.info(`${label}: also published over it: ${describe(other)}`);
  }
}

function checkCodes(s: Section, org: Org, placements: Partial<Record<ActivityType, TypePlacement>>): void {
  const byId = new Map(org.activityCodes.map((c) => [c.id, c]));
  const label = (c: { name: string; defaultCode: boolean; category: string }) =>
    c.name ? `"${c.name}"` : c.defaultCode ? 'default code' : '(no name)';
  const categories = [...new Set(org.activityCodes.map((c) => c.category))];
  s.data.codes = org.activityCodes;
  for (const category of categories) {
    const codes = org.activityCodes.filter((c) => c.category === category);
    s.info(
      `${category}: ${codes
        .map(
          (c) =>
            `${label(c)}${c.name && c.defaultCode ? ' (default)' : ''}${c.active ? '' : ' (inactive)'} ${c.id}`,
        )
        .join(' · ')}`,
    );
  }
  const wanted = { ...DEFAULT_PLACEMENTS, ...placements };
  const types: Array<Record<string, unknown>> = [];
  s.data.types = types;
  for (const type of Object.keys(DEFAULT_PLACEMENTS) as ActivityType[]) {
    const place = wanted[type];
    if (org.codes.missing().includes(type)) {
      try {
        org.codes.codeFor(type);
      } catch (err) {
        types.push({ type, category: place.category, codeId: null });
        s.fail(`${type}: ${(err as Error).message}`);
      }
      continue;
    }
    const code = byId.get(org.codes.codeFor(type))!;
    types.push({ type, category: place.category, codeId: code.id, codeName: code.name });
    const text = `${type} → ${code.category} ${label(code)} ${code.id}`;
    if (place.name !== undefined && code.name.toLowerCase() !== place.name.toLowerCase())
      s.warn(
        `${text}: the business unit has no active ${place.category} code named "${place.name}", so ${type} is written as the default code and reads back as ${org.codes.typeOf(code.id)}`,
      );
    else s.ok(text);
  }
}

// ─── notifications ─────────────────────────────────────────────────────────────────────────

const CHANNELS = '/api/v2/notifications/channels';

/** The topics GenesysCloudWfm's result feed subscribes to (backend.ts `#startFeed`), and what each is for. */
function resultTopics(gc: GenesysSection): Array<{ topic: string; needed: boolean; refusedMeans: string }> {
  const bu = gc.businessUnitId;
  return [
    {
      topic: `v2.workforcemanagement.businessunits.${bu}.schedules`,
      needed: true,
      refusedMeans:
        'upload results are not heard: every write is settled by re-reading its agents, after a wait of uploads.resultTimeoutMs',
    },
    {
      topic: `v2.workforcemanagement.businessunits.${bu}.scheduling.runs`,
      needed: true,
      refusedMeans: 'reschedule runs starting and ending are not heard: writes meet their locks unannounced',
    },
    {
      topic: `v2.workforcemanagement.users.${gc.clientId}.schedules.query`,
      needed: false,
      refusedMeans:
        'an agent-schedule query answered Processing is not announced to this client, so the backend halves such a query and asks again instead (more requests for large management units, nothing lost)',
    },
  ];
}

async function checkNotifications(s: Section, backend: GenesysCloudWfm, gc: GenesysSection): Promise<void> {
  const results: Array<Record<string, unknown>> = [];
  s.data.topics = results;
  if (!gc.notifications) {
    s.info('not checked: wfm.genesysCloud.notifications is false, so every write is settled by re-reading');
    return;
  }
  const http = backend.http;
  try {
    const held = (await http.api({
      method: 'GET',
      path: CHANNELS,
      query: { includechannels: 'oauthclient' },
    })) as {
      entities?: unknown[];
    };
    const count = held?.entities?.length ?? 0;
    if (count >= GENESYS_CHANNEL_LIMITS.channelsPerClient) {
      s.warn(
        `not checked: OAuth client ${gc.clientId} already holds ${count} notification channels, and a new one would evict one of them (perhaps a running instance's)`,
      );
      return;
    }
  } catch {
    // the listing is only a precaution; creating the channel says whether channels work at all
  }
  let channelId: string;
  try {
    const created = (await http.api({ method: 'POST', path: CHANNELS })) as { id?: unknown };
    if (typeof created?.id !== 'string') throw new Error('the new channel came back without an id');
    channelId = created.id;
  } catch (err) {
    const f = failure(err);
    s.data.error = f;
    s.fail(
      `a notification channel cannot be created: ${f.message}; write results are then settled by re-reading`,
    );
    return;
  }
  const topics = resultTopics(gc);
  const subscriptions = `${CHANNELS}/${encodeURIComponent(channelId)}/subscriptions`;
  try {
    const answer = (await http.api({
      method: 'PUT',
      path: subscriptions,
      query: { ignoreErrors: true },
      body: topics.map((t) => ({ id: t.topic })),
    })) as {
      entities?: Array<{
        id?: unknown;
        state?: unknown;
        rejectionReason?: unknown;
        missingPermissions?: unknown;
      }>;
    };
    for (const t of topics) {
      const e = answer?.entities?.find((x) => x.id === t.topic);
      if (e?.state !== 'Rejected') {
        results.push({ topic: t.topic, state: 'Permitted' });
        s.ok(`${t.topic}: accepted`);
        continue;
      }
      const reason = typeof e.rejectionReason === 'string' ? e.rejectionReason : 'no reason given';
      const missing = Array.isArray(e.missingPermissions) ? (e.missingPermissions as string[]) : [];
      results.push({
        topic: t.topic,
        state: 'Rejected',
        rejectionReason: reason,
        missingPermissions: missing,
      });
      const text = `${t.topic}: refused (${reason}${missing.length > 0 ? `; missing one of: ${missing.join(', ')}` : ''}): ${t.refusedMeans}`;
      if (t.needed) s.fail(text);
      else s.warn(text);
    }
  } catch (err) {
    const f = failure(err);
    s.data.error = f;
    s.fail(`the topics cannot be subscribed: ${f.message}`);
  } finally {
    try {
      await http.api({ method: 'DELETE', path: subscriptions });
    } catch (err) {
      s.warn(
        `the check's channel ${channelId} keeps its subscriptions (${failure(err).message}); it expires unused within 24 h`,
      );
    }
  }
}

// ─── permissions ───────────────────────────────────────────────────────────────────────────

const ROLE_VIEW = ROUTE_PERMISSIONS.roleRead[0];

/** What the backend does with the API, and the permissions any one of which lets it (the SDK's operation docs). */
function needs(gc: GenesysSection): Array<{ what: string; anyOf: readonly string[] }> {
  return [
    { what: 'read the business unit', anyOf: ROUTE_PERMISSIONS.businessUnit },
    { what: "read the management units' users", anyOf: ROUTE_PERMISSIONS.managementUnitUsers },
    { what: 'read the activity codes', anyOf: ROUTE_PERMISSIONS.activityCodes },
    { what: 'read published schedules and agent schedules', anyOf: ROUTE_PERMISSIONS.scheduleRead },
    { what: 'write agent schedules (uploadurl, update)', anyOf: ROUTE_PERMISSIONS.scheduleEdit },
    { what: 'read reschedule runs', anyOf: ROUTE_PERMISSIONS.schedulingRuns },
    ...(gc.teams === 'teams-api'
      ? [{ what: 'read team members', anyOf: ROUTE_PERMISSIONS.teamMembers }]
      : []),
  ];
}

interface Policy {
  domain?: unknown;
  entityName?: unknown;
  actionSet?: unknown;
}

/** Whether a role's policies (domain, entity, actions, `*` matching any) or legacy permission names grant `permission`. */
function grants(policies: Policy[], names: string[], permission: string): boolean {
  if (names.includes(permission)) return true;
  const [domain, entity, action] = permission.split(':');
  return policies.some(
    (p) =>
      (p.domain === domain || p.domain === '*') &&
      (p.entityName === entity || p.entityName === '*') &&
      Array.isArray(p.actionSet) &&
      (p.actionSet.includes(action) || p.actionSet.includes('*')),
  );
}

/**
 * The token's permissions: `GET /api/v2/tokens/me` (no permission needed) names the OAuth client's
 * roles and divisions (`OAuthClient.roleDivisions`); `GET /api/v2/authorization/roles/{id}`
 * (authorization:role:view) says what each role allows (`permissionPolicies`).
 */
async function checkPermissions(
  s: Section,
  backend: GenesysCloudWfm,
  gc: GenesysSection,
  buDivision: string | undefined,
): Promise<void> {
  const http = backend.http;
  const cannot = (why: string, f?: Failure) => {
    s.data.read = false;
    if (f) s.data.error = f;
    s.warn(
      `cannot read the token's permissions: ${why}; grant ${ROLE_VIEW} to check them here (the sections above show what each read needed)`,
    );
  };
  /** An API refusal in a few words: the route, the status and the Genesys code. */
  const refusal = (path: string, err: unknown) => {
    const f = failure(err);
    return f.status === undefined
      ? f.message
      : `GET ${path} answered ${f.status}${f.code ? ` ${f.code}` : ''}`;
  };
  let grantsOf: Array<{ roleId: string; divisionId: string }>;
  try {
    const me = (await http.api({ method: 'GET', path: '/api/v2/tokens/me' })) as Record<string, unknown>;
    const client = (me?.OAuthClient ?? me?.oAuthClient) as { roleDivisions?: unknown } | undefined;
    grantsOf = (Array.isArray(client?.roleDivisions) ? client.roleDivisions : []).filter(
      (g): g is { roleId: string; divisionId: string } =>
        typeof g?.roleId === 'string' && typeof g?.divisionId === 'string',
    );
  } catch (err) {
    cannot(refusal('/api/v2/tokens/me', err), failure(err));
    return;
  }
  if (grantsOf.length === 0) {
    cannot('GET /api/v2/tokens/me names no role of the OAuth client');
    return;
  }
  const roleIds = [...new Set(grantsOf.map((g) => g.roleId))];
  const roles: Array<{ id: string; name: string; divisions: string[] }> = [];
  const policies: Policy[] = [];
  const names: string[] = [];
  for (const id of roleIds) {
    try {
      const role = (await http.api({
        method: 'GET',
        path: `/api/v2/authorization/roles/${encodeURIComponent(id)}`,
      })) as { name?: unknown; permissions?: unknown; permissionPolicies?: unknown };
      if (Array.isArray(role?.permissionPolicies)) policies.push(...(role.permissionPolicies as Policy[]));
      if (Array.isArray(role?.permissions))
        names.push(...role.permissions.filter((p): p is string => typeof p === 'string'));
      roles.push({
        id,
        name: typeof role?.name === 'string' ? role.name : id,
        divisions: grantsOf.filter((g) => g.roleId === id).map((g) => g.divisionId),
      });
    } catch (err) {
      cannot(refusal(`/api/v2/authorization/roles/${id}`, err), failure(err));
      return;
    }
  }
  s.data.read = true;
  s.data.roles = roles;
  s.title = `Permissions (OAuth client ${gc.clientId}: ${roles.map((r) => `role "${r.name}" in ${r.divisions.join(', ')}`).join('; ')})`;
  const divisions = grantsOf.map((g) => g.divisionId);
  if (buDivision && !divisions.includes(buDivision) && !divisions.includes('*'))
    s.warn(
      `no role is granted in the business unit's division ${buDivision}: permissions that depend on the division do not reach its objects`,
    );
  const missing: Array<{ what: string; anyOf: readonly string[] }> = [];
  s.data.missing = missing;
  for (const need of needs(gc)) {
    const held = need.anyOf.find((p) => grants(policies, names, p));
    if (held) {
      s.ok(`${need.what}: ${held}`);
      continue;
    }
    missing.push(need);
    const [first, ...rest] = need.anyOf;
    s.fail(
      `${need.what}: missing; grant ${first}${rest.length > 0 ? ` (or any of ${rest.join(', ')})` : ''}`,
    );
  }
}

// ─── the whole check ───────────────────────────────────────────────────────────────────────

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

/** The report as lines grouped by section, for a terminal. */
export function formatReport(r: CheckReport): string {
  const out = [`Genesys Cloud business unit ${r.businessUnitId} at ${r.apiBaseUrl} — times in ${r.timeZone}`];
  for (const s of r.sections) {
    if (s.lines.length === 0) continue;
    out.push('', s.title);
    for (const l of s.lines) out.push(`  ${SYMBOL[l.mark]} ${l.text}`);
  }
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  out.push(
    '',
    r.ok
      ? `No problem found (${plural(r.warnings, 'warning')}): the backend can work with this business unit.`
      : `${plural(r.errors, 'problem')} (✗) and ${plural(r.warnings, 'warning')} (!): the backend cannot do all of its work.`,
  );
  return out.join('\n');
}

// ─── the command ───────────────────────────────────────────────────────────────────────────

/** The team ids the rules files name (enabled rules: their team and a swap's donor team). */
async function teamsOfRules(files: string[]): Promise<TeamsToCheck> {
  const ids = new Set<string>();
  const unread: TeamsToCheck['unread'] = [];
  for (const file of files) {
    try {
      for (const rule of compileRules(await loadRulesFile(file)).rules) {
        ids.add(rule.action.team);
        if (rule.action.kind === 'swap') ids.add(rule.action.donorTeam);
      }
    } catch (err) {
      unread.push({
        file,
        reason:
          err instanceof RulesFileError
            ? `${err.issues.length} problem${err.issues.length === 1 ? '' : 's'}`
            : (err as Error).message,
      });
    }
  }
  return { ids: [...ids].sort(), from: `from the rules files (${files.join(', ')})`, unread };
}

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
