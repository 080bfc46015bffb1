import type { GenesysCloudWfm } from '../../../wfm/genesys-cloud/backend.js';
import { type Org, WFM_PATH } from '../../../wfm/genesys-cloud/org.js';
import type { Section } from './report.js';

export const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

export interface BusinessUnitFacts {
  name: string;
  timeZone?: string;
  startDayOfWeek?: string;
  divisionId?: string;
}

export async function readBusinessUnit(backend: GenesysCloudWfm, id: string): Promise<BusinessUnitFacts> {
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

export function checkUnits(s: Section, org: Org): void {
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
