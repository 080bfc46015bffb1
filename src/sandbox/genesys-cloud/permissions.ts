import { GenesysError } from './genesys-error.js';
import type { Principal } from './login-host.js';

/**
 * The permissions each emulated route requires, any one of them, from the SDK's operation docs
 * (the long lists of the business unit and activity code reads are cut to their WFM view and edit
 * permissions). The management units listing requires none: it lists the units the caller may see.
 */
export const ROUTE_PERMISSIONS = {
  businessUnit: [
    'wfm:businessUnit:view',
    'wfm:businessUnit:edit',
    'wfm:schedule:view',
    'wfm:schedule:edit',
    'wfm:publishedSchedule:view',
    'wfm:agentSchedule:view',
    'wfm:managementUnit:view',
    'wfm:activityCode:view',
    'wfm:agent:view',
  ],
  activityCodes: [
    'wfm:activityCode:view',
    'wfm:activityCode:edit',
    'wfm:businessUnit:view',
    'wfm:schedule:view',
    'wfm:schedule:edit',
    'wfm:publishedSchedule:view',
    'wfm:agentSchedule:view',
    'wfm:agent:view',
  ],
  managementUnitUsers: [
    'wfm:agent:view',
    'wfm:publishedSchedule:view',
    'wfm:schedule:view',
    'wfm:historicalAdherence:view',
    'wfm:realtimeAdherence:view',
    'wfm:staffingGroup:view',
    'wfm:timeOffRequest:view',
    'wfm:workPlanRotation:view',
    'wfm:workPlan:view',
  ],
  scheduleRead: ['wfm:schedule:view', 'wfm:publishedSchedule:view'],
  scheduleEdit: ['wfm:schedule:edit'],
  schedulingRuns: ['wfm:schedule:generate', 'wfm:schedule:edit'],
  teamMembers: ['groups:team:view'],
  /** `GET /api/v2/authorization/roles/{roleId}`; `GET /api/v2/tokens/me` requires none */
  roleRead: ['authorization:role:view'],
} as const satisfies Record<string, readonly string[]>;

/** 403 missing.permissions naming what the route needs, unless the principal holds any of it. */
export function requireAny(principal: Principal, anyOf: readonly string[], what: string): void {
  if (anyOf.some((p) => principal.permissions.has(p))) return;
  throw new GenesysError(
    'missing.permissions',
    `${what} needs one of these permissions, which OAuth client '${principal.clientId}' lacks: ${anyOf.join(', ')}`,
    {},
    { missingPermissions: [...anyOf] },
  );
}

/**
 * Permissions (`domain:entity:action`) as a role's `permissionPolicies` answer them
 * (DomainPermissionPolicy): one policy per domain and entity, its actions in `actionSet`.
 */
export function permissionPolicies(permissions: readonly string[]): Array<Record<string, unknown>> {
  const byEntity = new Map<string, { domain: string; entityName: string; actions: Set<string> }>();
  for (const p of permissions) {
    const [domain, entityName, action] = p.split(':');
    if (!domain || !entityName || !action) continue;
    const key = `${domain}:${entityName}`;
    const policy = byEntity.get(key) ?? { domain, entityName, actions: new Set<string>() };
    policy.actions.add(action);
    byEntity.set(key, policy);
  }
  return [...byEntity.values()].map((p) => ({
    domain: p.domain,
    entityName: p.entityName,
    policyName: `${p.domain}-${p.entityName}`,
    actionSet: [...p.actions].sort(),
    namedResources: [],
    allowConditions: false,
  }));
}
