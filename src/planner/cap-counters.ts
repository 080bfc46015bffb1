import { DAY_MS, HOUR_MS } from '../time/instant.js';

/** How long a team change is remembered, in event time: the cap's hour, and a day for intents that arrive behind. */
export const TEAM_CHANGES_KEPT_MS = DAY_MS + HOUR_MS;

/**
 * What the per-agent and per-team caps count: adjustments per agent per local day and
 * per schedule week, and the agents changed per team in the last hour of event time.
 * Kept in planner state (serialisable), forgotten by event time.
 */
export class CapCounters {
  private readonly perDay = new Map<string, number>();
  private readonly perWeek = new Map<string, number>();
  /** team → [event time, agentId] of each change, oldest first */
  private readonly teamChanges = new Map<string, Array<[number, string]>>();
  /**
   * The latest `teamHoursAround` answer per team: a surge's intents ask it for the same team
   * and instant once per candidate shift (tens each), and the answer holds until a change is
   * recorded or forgotten (`changes` counts both).
   */
  private readonly hoursMemo = new Map<string, { now: number; changes: number; hours: TeamHour[] }>();
  private changes = 0;

  agentDay(agentId: string, localDate: string): number {
    return this.perDay.get(`${agentId}|${localDate}`) ?? 0;
  }

  agentWeek(agentId: string, weekStart: string): number {
    return this.perWeek.get(`${agentId}|${weekStart}`) ?? 0;
  }

  /** Distinct agents of the team changed in (now - 1h, now]. */
  teamAgentsInHour(teamId: string, now: number): Set<string> {
    return this.teamAgentsBetween(teamId, now - HOUR_MS, now);
  }

  /**
   * Every 60-minute window of event time that a change at `now` would fall in, as the
   * distinct agents of the team changed in it: the hour up to `now` and, when changes at
   * later event times are already counted (intents from another source partition arrived
   * first), each hour that starts before `now` and reaches one of them. A change at `now`
   * keeps the cap only if it keeps it in all of them.
   */
  teamHoursAround(teamId: string, now: number): readonly TeamHour[] {
    const kept = this.hoursMemo.get(teamId);
    if (kept !== undefined && kept.now === now && kept.changes === this.changes) return kept.hours;
    const out: TeamHour[] = [{ end: now, agents: this.teamAgentsInHour(teamId, now) }];
    for (const [t] of this.teamChanges.get(teamId) ?? []) {
      if (t > now && t < now + HOUR_MS)
        out.push({ end: t, agents: this.teamAgentsBetween(teamId, t - HOUR_MS, t) });
    }
    this.hoursMemo.set(teamId, { now, changes: this.changes, hours: out });
    return out;
  }

  /** Distinct agents of the team changed in (from, to]. */
  private teamAgentsBetween(teamId: string, from: number, to: number): Set<string> {
    const out = new Set<string>();
    for (const [t, agent] of this.teamChanges.get(teamId) ?? []) if (t > from && t <= to) out.add(agent);
    return out;
  }

  record(c: { agentId: string; teamId: string; localDate: string; weekStart: string; at: number }): void {
    const d = `${c.agentId}|${c.localDate}`;
    const w = `${c.agentId}|${c.weekStart}`;
    this.perDay.set(d, (this.perDay.get(d) ?? 0) + 1);
    this.perWeek.set(w, (this.perWeek.get(w) ?? 0) + 1);
    let list = this.teamChanges.get(c.teamId);
    if (!list) {
      list = [];
      this.teamChanges.set(c.teamId, list);
    }
    list.push([c.at, c.agentId]);
    this.changes++;
  }

  /**
   * Forgets team changes older than TEAM_CHANGES_KEPT_MS and day/week counts older than 15
   * days before `now`. Team changes are kept a day past the hour the cap looks at: one
   * planner takes a team's intents from several source partitions, and one that lags behind
   * in event time (a backlog being replayed) still needs the changes of its own hour after
   * a later intent moved `now` on.
   */
  prune(now: number): void {
    const cutoff = now - TEAM_CHANGES_KEPT_MS;
    for (const [team, list] of this.teamChanges) {
      if (!list.some(([t]) => t <= cutoff)) continue;
      const kept = list.filter(([t]) => t > cutoff);
      if (kept.length === 0) this.teamChanges.delete(team);
      else this.teamChanges.set(team, kept);
      this.changes++;
    }
    const oldest = new Date(now - 15 * DAY_MS).toISOString().slice(0, 10);
    for (const m of [this.perDay, this.perWeek]) {
      for (const k of m.keys()) if (k.slice(k.lastIndexOf('|') + 1) < oldest) m.delete(k);
    }
  }

  toJSON(): CapCountersSnapshot {
    const sorted = (m: Map<string, number>) => [...m].sort((a, b) => (a[0] < b[0] ? -1 : 1));
    return {
      perDay: sorted(this.perDay),
      perWeek: sorted(this.perWeek),
      teamChanges: [...this.teamChanges].sort((a, b) => (a[0] < b[0] ? -1 : 1)),
    };
  }

  static fromJSON(s: CapCountersSnapshot): CapCounters {
    const c = new CapCounters();
    for (const [k, v] of s.perDay) c.perDay.set(k, v);
    for (const [k, v] of s.perWeek) c.perWeek.set(k, v);
    for (const [k, v] of s.teamChanges) c.teamChanges.set(k, v);
    return c;
  }
}

/** A 60-minute window of event time ending at `end`, and the distinct agents of a team changed in it (read only). */
export interface TeamHour {
  end: number;
  agents: ReadonlySet<string>;
}

export interface CapCountersSnapshot {
  perDay: Array<[string, number]>;
  perWeek: Array<[string, number]>;
  teamChanges: Array<[string, Array<[number, string]>]>;
}
