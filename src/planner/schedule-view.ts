import { parseInstant } from '../time/instant.js';
import type { Activity, ActivityType, Agent, Shift } from '../wfm/contract.js';

export interface ViewActivity {
  type: ActivityType;
  start: number;
  end: number;
}

/** A shift as the planner reasons about it: instants as epoch ms, with planned changes applied. */
export interface ViewShift {
  id: string;
  agentId: string;
  teamId: string;
  start: number;
  end: number;
  activities: ViewActivity[];
}

export function toViewShift(s: Shift): ViewShift {
  return {
    id: s.id,
    agentId: s.agentId,
    teamId: s.teamId,
    start: parseInstant(s.start),
    end: parseInstant(s.end),
    activities: s.activities.map((a: Activity) => ({
      type: a.type,
      start: parseInstant(a.start),
      end: parseInstant(a.end),
    })),
  };
}

/**
 * The part of the schedule one intent is resolved against: the shifts of the teams it
 * names (and their agents' other shifts there), after the planner's own earlier
 * adjustments. Read-only for the pure resolution functions.
 */
export class ScheduleView {
  private readonly byAgent = new Map<string, ViewShift[]>();
  private readonly agents = new Map<string, Agent>();

  constructor(
    readonly shifts: readonly ViewShift[],
    agents: readonly Agent[],
    /** the business unit's zone: for agents the WFM does not describe */
    readonly defaultZone: string,
  ) {
    for (const s of shifts) {
      let list = this.byAgent.get(s.agentId);
      if (!list) {
        list = [];
        this.byAgent.set(s.agentId, list);
      }
      list.push(s);
    }
    for (const list of this.byAgent.values()) list.sort((a, b) => a.start - b.start || cmp(a.id, b.id));
    for (const a of agents) this.agents.set(a.id, a);
  }

  teamShifts(teamId: string): ViewShift[] {
    return this.shifts.filter((s) => s.teamId === teamId);
  }

  /** The agent's shifts, oldest first. */
  shiftsOf(agentId: string): readonly ViewShift[] {
    return this.byAgent.get(agentId) ?? [];
  }

  zoneOf(agentId: string): string {
    return this.agents.get(agentId)?.timeZone ?? this.defaultZone;
  }
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
