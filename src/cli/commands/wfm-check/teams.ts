import { compileRules } from '../../../rules/compile.js';
import { loadRulesFile } from '../../../rules/load.js';
import { RulesFileError } from '../../../rules/rules-error.js';
import type { GenesysCloudWfm } from '../../../wfm/genesys-cloud/backend.js';
import type { Org } from '../../../wfm/genesys-cloud/org.js';
import { failure } from './failure.js';
import type { GenesysSection, TeamsToCheck } from './inputs.js';
import type { Section } from './report.js';

export async function checkTeams(
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

/** The team ids the rules files name (enabled rules: their team and a swap's donor team). */
export async function teamsOfRules(files: string[]): Promise<TeamsToCheck> {
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
