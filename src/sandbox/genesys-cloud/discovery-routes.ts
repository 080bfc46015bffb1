import { DateTime } from 'luxon';
import { type ApiRequest, boolParam, type Route } from './api-request.js';
import type { DownloadHost } from './download-host.js';
import { GenesysError } from './genesys-error.js';
import type { GenesysWfm } from './genesys-wfm.js';
import { HOME_DIVISION } from './login-host.js';
import { permissionPolicies, ROUTE_PERMISSIONS, requireAny } from './permissions.js';
import { requireBusinessUnit, scheduleAt, weekParam } from './route-params.js';
import { API, activityCodeToWire, scheduleListItem, scheduleMetadata, WFM } from './wire.js';

const ORGANIZATION = { id: 'sandbox-org', name: 'Genesys Cloud WFM sandbox' };

/**
 * The synchronous reads a client discovers an org with: business unit, units, users, teams, codes,
 * schedules, and what its own token may do (the token's OAuth client, then that client's roles).
 */
export function discoveryRoutes(wfm: GenesysWfm, downloads: DownloadHost): Route[] {
  const bu = () => wfm.store.state.businessUnit;
  return [
    {
      method: 'GET',
      pattern: `${WFM}/businessunits/:buId`,
      handle(r: ApiRequest, p) {
        requireAny(r.principal, ROUTE_PERMISSIONS.businessUnit, 'GET business unit');
        requireBusinessUnit(wfm, p.buId!);
        const expand = r.query.getAll('expand').flatMap((e) => e.split(','));
        const all = expand.includes('settings');
        const settings: Record<string, unknown> = {};
        if (all || expand.includes('settings.startDayOfWeek')) settings.startDayOfWeek = bu().startDayOfWeek;
        if (all || expand.includes('settings.timeZone')) settings.timeZone = bu().timeZone;
        const body: Record<string, unknown> = {
          id: bu().id,
          name: bu().name,
          division: { id: HOME_DIVISION, selfUri: `${API}/authorization/divisions/${HOME_DIVISION}` },
          selfUri: `${WFM}/businessunits/${bu().id}`,
        };
        if (Object.keys(settings).length > 0)
          body.settings = { ...settings, metadata: { version: bu().settingsVersion } };
        return { status: 200, body };
      },
    },
    {
      method: 'GET',
      pattern: `${WFM}/businessunits/:buId/managementunits`,
      handle(_r, p) {
        requireBusinessUnit(wfm, p.buId!);
        return {
          status: 200,
          body: {
            entities: wfm.store.state.managementUnits.map((m) => ({
              id: m.id,
              name: m.name,
              businessUnit: { id: bu().id, selfUri: `${WFM}/businessunits/${bu().id}` },
              selfUri: `${WFM}/managementunits/${m.id}`,
            })),
            selfUri: `${WFM}/businessunits/${bu().id}/managementunits`,
          },
        };
      },
    },
    {
      method: 'GET',
      pattern: `${WFM}/managementunits/:muId/users`,
      handle(r, p) {
        requireAny(r.principal, ROUTE_PERMISSIONS.managementUnitUsers, 'GET management unit users');
        if (!wfm.store.state.managementUnits.some((m) => m.id === p.muId))
          throw new GenesysError('not.found', `management unit ${p.muId} does not exist`);
        const users = wfm.store.state.users.filter((u) => u.managementUnitId === p.muId);
        return {
          status: 200,
          body: { entities: users.map((u) => ({ id: u.id, selfUri: `${API}/users/${u.id}` })) },
        };
      },
    },
    {
      method: 'GET',
      pattern: `${API}/teams/:teamId/members`,
      handle(r, p) {
        requireAny(r.principal, ROUTE_PERMISSIONS.teamMembers, 'GET team members');
        if (!wfm.store.state.teams.some((t) => t.id === p.teamId))
          throw new GenesysError('not.found', `team ${p.teamId} does not exist`);
        const size = r.query.has('pageSize') ? Number(r.query.get('pageSize')) : 25;
        if (!Number.isInteger(size) || size < 1 || size > 100)
          throw new GenesysError(
            'invalid.value',
            `query pageSize must be a whole number from 1 to 100, got '${r.query.get('pageSize')}'`,
          );
        const members = wfm.store.state.users
          .filter((u) => u.teamId === p.teamId)
          .sort((a, b) => a.id.localeCompare(b.id));
        const after = r.query.get('after');
        const from = after ? Number(Buffer.from(after, 'base64url').toString('utf8')) : 0;
        if (!Number.isInteger(from) || from < 0)
          throw new GenesysError('invalid.value', 'query after: not a cursor this server gave');
        const page = members.slice(from, from + size);
        const base = `${API}/teams/${p.teamId}/members`;
        const next =
          from + size < members.length ? Buffer.from(String(from + size)).toString('base64url') : null;
        return {
          status: 200,
          body: {
            entities: page.map((u) => ({ id: u.id, name: u.name, selfUri: `${API}/users/${u.id}` })),
            ...(next ? { nextUri: `${base}?pageSize=${size}&after=${next}` } : {}),
            selfUri: base,
          },
        };
      },
    },
    {
      method: 'GET',
      pattern: `${WFM}/businessunits/:buId/activitycodes`,
      handle(r, p) {
        requireAny(r.principal, ROUTE_PERMISSIONS.activityCodes, 'GET activity codes');
        requireBusinessUnit(wfm, p.buId!);
        const listing = {
          entities: wfm.store.state.activityCodes.map((c) => activityCodeToWire(c, bu().id)),
        };
        if (boolParam(r.query, 'forceDownloadService'))
          return { status: 200, body: { downloadUrl: downloads.put(listing, r.origin) } };
        return { status: 200, body: listing };
      },
    },
    {
      method: 'GET',
      pattern: `${WFM}/businessunits/:buId/activitycodes/:acId`,
      handle(r, p) {
        requireAny(r.principal, ROUTE_PERMISSIONS.activityCodes, 'GET activity code');
        requireBusinessUnit(wfm, p.buId!);
        const code = wfm.store.state.activityCodes.find((c) => c.id === p.acId);
        if (!code) throw new GenesysError('not.found', `activity code ${p.acId} does not exist`);
        return { status: 200, body: activityCodeToWire(code, bu().id) };
      },
    },
    {
      method: 'GET',
      pattern: `${WFM}/businessunits/:buId/weeks/:weekId/schedules`,
      handle(r, p) {
        requireAny(r.principal, ROUTE_PERMISSIONS.scheduleRead, 'GET schedules');
        requireBusinessUnit(wfm, p.buId!);
        const onlyPublished = boolParam(r.query, 'includeOnlyPublished');
        let schedules = wfm.store.state.schedules;
        if (p.weekId === 'recent') {
          const now = DateTime.fromMillis(wfm.clock.now(), { zone: wfm.store.zone });
          const from = now.minus({ weeks: 26 }).toMillis();
          const to = now.plus({ weeks: 26 }).toMillis();
          schedules = schedules.filter((s) => {
            const range = wfm.store.range(s);
            return range.end > from && range.start < to;
          });
        } else schedules = wfm.store.spanning(weekParam(wfm, p.weekId!));
        if (onlyPublished) schedules = schedules.filter((s) => s.published);
        return { status: 200, body: { entities: schedules.map((s) => scheduleListItem(s, bu().id)) } };
      },
    },
    {
      method: 'GET',
      pattern: `${WFM}/businessunits/:buId/weeks/:weekId/schedules/:scheduleId`,
      handle(r, p) {
        requireAny(r.principal, ROUTE_PERMISSIONS.scheduleRead, 'GET schedule');
        const schedule = scheduleAt(wfm, p.buId!, p.weekId!, p.scheduleId!);
        const expandAgents = r.query
          .getAll('expand')
          .some((e) => e.split(',').includes('managementUnits.agents'));
        return { status: 200, body: scheduleMetadata(schedule, wfm.store.state, { expandAgents }) };
      },
    },
    // TokenInfo: needs no permission; for a client-credentials token it names the OAuth client
    // and the roles it is granted (OrgOAuthClient.roleDivisions), but not what the roles allow.
    {
      method: 'GET',
      pattern: `${API}/tokens/me`,
      handle(r) {
        const role = r.principal.roles().find((x) => x.clientId === r.principal.clientId)!;
        return {
          status: 200,
          body: {
            organization: ORGANIZATION,
            homeOrganization: ORGANIZATION,
            authorizedScope: [],
            OAuthClient: {
              id: r.principal.clientId,
              name: r.principal.clientId,
              authorizedGrantType: 'CLIENT-CREDENTIALS',
              roleDivisions: [{ roleId: role.id, divisionId: role.divisionId }],
              state: 'active',
              organization: ORGANIZATION,
            },
          },
        };
      },
    },
    // DomainOrganizationRole: what a role allows, as permission policies (domain, entity, actions).
    {
      method: 'GET',
      pattern: `${API}/authorization/roles/:roleId`,
      handle(r, p) {
        requireAny(r.principal, ROUTE_PERMISSIONS.roleRead, 'GET role');
        const role = r.principal.roles().find((x) => x.id === p.roleId);
        if (!role) throw new GenesysError('not.found', `role ${p.roleId} does not exist`);
        return {
          status: 200,
          body: {
            id: role.id,
            name: role.name,
            description: `the permissions of OAuth client ${role.clientId}`,
            permissions: [],
            permissionPolicies: permissionPolicies(role.permissions),
            userCount: 0,
            base: false,
            default: false,
            selfUri: `${API}/authorization/roles/${role.id}`,
          },
        };
      },
    },
  ];
}
