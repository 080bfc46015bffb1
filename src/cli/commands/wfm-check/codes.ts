import type { ActivityType } from '../../../wfm/contract.js';
import { DEFAULT_PLACEMENTS, type TypePlacement } from '../../../wfm/genesys-cloud/activity-codes.js';
import type { Org } from '../../../wfm/genesys-cloud/org.js';
import type { Section } from './report.js';

export function checkCodes(
  s: Section,
  org: Org,
  placements: Partial<Record<ActivityType, TypePlacement>>,
): void {
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
