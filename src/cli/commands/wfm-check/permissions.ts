import { ROUTE_PERMISSIONS } from '../../../sandbox/genesys-cloud/permissions.js';
import type { GenesysCloudWfm } from '../../../wfm/genesys-cloud/backend.js';
import { type Failure, failure } from './failure.js';
import type { GenesysSection } from './inputs.js';
import type { Section } from './report.js';

export const ROLE_VIEW = ROUTE_PERMISSIONS.roleRead[0];

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
export async function checkPermissions(
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
