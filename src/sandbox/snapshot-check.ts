import { parseInstant } from '../time/instant.js';
import { isValidZone } from '../time/zone.js';
import type { ScheduleSnapshot } from '../wfm/snapshot.js';
import { ApiError } from './api-error.js';
import { checkShift, overlaps, type ShiftLimits } from './shift-rules.js';

/**
 * A schedule is checked when it is loaded, with the same invariants a write must keep:
 * a sandbox that accepted a broken schedule would blame the first client that touched it.
 */
export function checkSnapshot(snapshot: ScheduleSnapshot, limits: ShiftLimits): void {
  const fail = (path: string, message: string) => {
    throw new ApiError('VALIDATION_ERROR', `schedule ${path}: ${message}`, { issues: [{ path, message }] });
  };
  if (!isValidZone(snapshot.businessUnit.timeZone))
    fail('businessUnit.timeZone', `unknown zone '${snapshot.businessUnit.timeZone}'`);
  const agents = new Map(snapshot.agents.map((a) => [a.id, a]));
  for (const [i, a] of snapshot.agents.entries()) {
    if (!isValidZone(a.timeZone))
      fail(`agents.${i}.timeZone`, `unknown zone '${a.timeZone}' for agent '${a.id}'`);
  }
  const ids = new Set<string>();
  const byAgent = new Map<string, Array<{ id: string; s: number; e: number }>>();
  for (const [i, shift] of snapshot.shifts.entries()) {
    if (ids.has(shift.id)) fail(`shifts.${i}.id`, `shift id '${shift.id}' appears twice`);
    ids.add(shift.id);
    const agent = agents.get(shift.agentId);
    if (!agent)
      fail(`shifts.${i}.agentId`, `shift '${shift.id}' belongs to unknown agent '${shift.agentId}'`);
    try {
      checkShift(shift, agent!.timeZone, limits);
    } catch (err) {
      if (err instanceof ApiError) fail(`shifts.${i}`, `shift '${shift.id}': ${err.message}`);
      throw err;
    }
    const list = byAgent.get(shift.agentId) ?? [];
    const s = parseInstant(shift.start);
    const e = parseInstant(shift.end);
    const other = list.find((x) => overlaps(s, e, x.s, x.e));
    if (other) fail(`shifts.${i}`, `shift '${shift.id}' overlaps '${other.id}' of agent '${shift.agentId}'`);
    list.push({ id: shift.id, s, e });
    byAgent.set(shift.agentId, list);
  }
}
