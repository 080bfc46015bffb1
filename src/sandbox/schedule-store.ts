import { parseInstant } from '../time/instant.js';
import { type IsoWeekday, scheduleWeekOf } from '../time/schedule-week.js';
import type { Agent, Shift } from '../wfm/contract.js';
import type { BusinessUnit, ScheduleSnapshot, Team } from '../wfm/snapshot.js';
import { normaliseShift, overlaps } from './shift-rules.js';

interface Held {
  shift: Shift;
  startMs: number;
  endMs: number;
}

/** The schedule held in memory: shifts indexed by id and by agent, for overlap checks on UTC instants. */
export class ScheduleStore {
  businessUnit!: BusinessUnit;
  private teams = new Map<string, Team>();
  private agents = new Map<string, Agent>();
  private shifts = new Map<string, Held>();
  private byAgent = new Map<string, Set<string>>();
  private ordered: Held[] | null = null;

  constructor(snapshot: ScheduleSnapshot) {
    this.load(snapshot);
  }

  load(snapshot: ScheduleSnapshot): void {
    this.businessUnit = snapshot.businessUnit;
    this.teams = new Map(snapshot.teams.map((t) => [t.id, t]));
    this.agents = new Map(snapshot.agents.map((a) => [a.id, a]));
    this.shifts.clear();
    this.byAgent.clear();
    for (const s of snapshot.shifts)
      this.put({ ...normaliseShift(s), week: this.weekOf(parseInstant(s.start)) });
  }

  snapshot(): ScheduleSnapshot {
    return {
      businessUnit: this.businessUnit,
      teams: [...this.teams.values()],
      agents: [...this.agents.values()],
      shifts: this.list({}),
    };
  }

  weekOf(ms: number): string {
    return scheduleWeekOf(ms, this.businessUnit.timeZone, this.businessUnit.weekStart as IsoWeekday);
  }

  agent(id: string): Agent | undefined {
    return this.agents.get(id);
  }

  listAgents(teamId?: string): Agent[] {
    const all = [...this.agents.values()].sort((a, b) => a.id.localeCompare(b.id));
    return teamId ? all.filter((a) => a.teamId === teamId) : all;
  }

  get(id: string): Shift | undefined {
    return this.shifts.get(id)?.shift;
  }

  ids(): string[] {
    return [...this.shifts.keys()];
  }

  get size(): number {
    return this.shifts.size;
  }

  put(shift: Shift): void {
    const previous = this.shifts.get(shift.id);
    if (previous && previous.shift.agentId !== shift.agentId)
      this.byAgent.get(previous.shift.agentId)?.delete(shift.id);
    this.shifts.set(shift.id, { shift, startMs: parseInstant(shift.start), endMs: parseInstant(shift.end) });
    const set = this.byAgent.get(shift.agentId) ?? new Set<string>();
    set.add(shift.id);
    this.byAgent.set(shift.agentId, set);
    this.ordered = null;
  }

  /** The first shift of `agentId` overlapping [startMs, endMs), ignoring `exclude`. */
  findOverlap(
    agentId: string,
    startMs: number,
    endMs: number,
    exclude: ReadonlySet<string>,
  ): Shift | undefined {
    for (const id of this.byAgent.get(agentId) ?? []) {
      if (exclude.has(id)) continue;
      const h = this.shifts.get(id)!;
      if (overlaps(startMs, endMs, h.startMs, h.endMs)) return h.shift;
    }
    return undefined;
  }

  /** Shifts matching the filters, ordered by start then id (stable for pagination). */
  list(q: { teamId?: string; agentId?: string; fromMs?: number; toMs?: number }): Shift[] {
    if (!this.ordered) {
      this.ordered = [...this.shifts.values()].sort(
        (a, b) => a.startMs - b.startMs || a.shift.id.localeCompare(b.shift.id),
      );
    }
    const out: Shift[] = [];
    for (const h of this.ordered) {
      if (q.teamId && h.shift.teamId !== q.teamId) continue;
      if (q.agentId && h.shift.agentId !== q.agentId) continue;
      if (q.fromMs !== undefined && h.endMs <= q.fromMs) continue;
      if (q.toMs !== undefined && h.startMs >= q.toMs) continue;
      out.push(h.shift);
    }
    return out;
  }

  inWeek(week: string): Shift[] {
    return [...this.shifts.values()].filter((h) => h.shift.week === week).map((h) => h.shift);
  }
}
