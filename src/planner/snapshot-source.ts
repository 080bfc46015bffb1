import { parseInstant } from '../time/instant.js';
import type { ScheduleSource, ShiftQuery } from '../wfm/adapter.js';
import type { Agent, Shift } from '../wfm/contract.js';
import type { ScheduleSnapshot } from '../wfm/snapshot.js';

/** A ScheduleSource over a schedule snapshot file: what `plan --schedule` reads. Same filters as the contract. */
export class SnapshotScheduleSource implements ScheduleSource {
  constructor(private readonly snapshot: ScheduleSnapshot) {}

  async listShifts(q: ShiftQuery): Promise<Shift[]> {
    const from = q.from === undefined ? Number.NEGATIVE_INFINITY : parseInstant(q.from);
    const to = q.to === undefined ? Number.POSITIVE_INFINITY : parseInstant(q.to);
    return this.snapshot.shifts.filter(
      (s) =>
        (q.teamId === undefined || s.teamId === q.teamId) &&
        (q.agentId === undefined || s.agentId === q.agentId) &&
        parseInstant(s.end) > from &&
        parseInstant(s.start) < to,
    );
  }

  async listAgents(q: { teamId?: string }): Promise<Agent[]> {
    return this.snapshot.agents.filter((a) => q.teamId === undefined || a.teamId === q.teamId);
  }
}
