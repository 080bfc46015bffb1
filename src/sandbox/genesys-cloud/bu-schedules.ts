import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { Ledger } from '../ledger.js';
import type { AgentOutcome, ShiftChange, UpdatePlan } from './apply-update.js';
import { type GAgentSchedule, type GenesysState, type GSchedule, type GShift, shiftEnd } from './model.js';
import type { GenesysBehaviour } from './options.js';
import { activityToWire, iso, type MuChange } from './wire.js';

export type GenesysLedgerKind = 'update' | 'publish' | 'mutator' | 'reschedule';

/**
 * One applied change to one agent's schedule. `kind` 'update' entries are the clients' writes
 * (`clientId`, `operationId` of the job); the others are the emulation's own actors. A bench
 * counts applied and applied-twice adjustments from the `shifts` changes of 'update' entries.
 */
export interface GenesysLedgerEntry {
  seq: number;
  /** virtual-clock instant, ISO-8601 UTC */
  at: string;
  kind: GenesysLedgerKind;
  clientId: string;
  operationId: string | null;
  scheduleId: string;
  weekDate: string;
  userId: string;
  /** the agent's version after the change (its last version when the agent was deleted) */
  version: number;
  /** the schedule's version after the change */
  scheduleVersion: number;
  agentDeleted?: boolean;
  shifts: Array<{
    shiftId: string;
    change: ShiftChange['change'];
    before: Record<string, unknown> | null;
    after: Record<string, unknown> | null;
    byOmission?: boolean;
  }>;
}

export interface CommitContext {
  kind: GenesysLedgerKind;
  clientId: string;
  operationId: string | null;
  at: number;
}

function shiftForLedger(s: GShift | null): Record<string, unknown> | null {
  if (!s) return null;
  return {
    id: s.id,
    startDate: iso(s.startDate),
    lengthMinutes: s.lengthMinutes,
    manuallyEdited: s.manuallyEdited,
    activities: s.activities.map(activityToWire),
  };
}

/**
 * The business unit's schedules, each with its schedule-level version and one version per agent,
 * and the ledger of every change applied to them. Versions only go up, by one per change.
 */
export class BuSchedules {
  readonly ledger = new Ledger<GenesysLedgerEntry>();
  constructor(
    public state: GenesysState,
    private behaviour: () => Pick<GenesysBehaviour, 'scheduleVersionBumpsOnAgentEdit' | 'agentVersionStep'>,
  ) {}

  get zone(): string {
    return this.state.businessUnit.timeZone;
  }

  schedule(id: string): GSchedule | undefined {
    return this.state.schedules.find((s) => s.id === id);
  }

  /** [start, end) of a schedule's weeks, in the business unit's zone (DST-aware). */
  range(s: Pick<GSchedule, 'weekDate' | 'weekCount'>): { start: number; end: number } {
    const first = DateTime.fromISO(s.weekDate, { zone: this.zone }).startOf('day');
    return { start: first.toMillis(), end: first.plus({ weeks: s.weekCount }).toMillis() };
  }

  /** The week dates (yyyy-MM-dd) a schedule spans. */
  weeksOf(s: Pick<GSchedule, 'weekDate' | 'weekCount'>): string[] {
    const first = DateTime.fromISO(s.weekDate, { zone: this.zone });
    return Array.from({ length: s.weekCount }, (_, i) => first.plus({ weeks: i }).toISODate()!);
  }

  /** Every schedule spanning the week that starts on `weekDate`. */
  spanning(weekDate: string): GSchedule[] {
    return this.state.schedules.filter((s) => this.weeksOf(s).includes(weekDate));
  }

  managementUnitOf(userId: string): string | undefined {
    return this.state.users.find((u) => u.id === userId)?.managementUnitId;
  }

  newShiftId(): string {
    return randomUUID();
  }

  /** Applies a plan made by planUpdate: new agent schedules, versions bumped, ledger entries; the changes by unit. */
  commit(schedule: GSchedule, plan: Extract<UpdatePlan, { ok: true }>, ctx: CommitContext): MuChange[] {
    if (plan.published !== undefined) schedule.published = plan.published;
    if (plan.description !== undefined) schedule.description = plan.description;
    this.bumpSchedule(schedule, ctx);
    const byMu = new Map<string, MuChange>();
    for (const outcome of plan.agents) {
      this.commitAgent(schedule, outcome, ctx);
      const mu = this.managementUnitOf(outcome.userId);
      if (!mu) continue;
      const bounds = outcome.changes.flatMap((c) =>
        [c.before, c.after].filter((s): s is GShift => s !== null).flatMap((s) => [s.startDate, shiftEnd(s)]),
      );
      const range = this.range(schedule);
      const start = bounds.length > 0 ? Math.min(...bounds) : range.start;
      const end = bounds.length > 0 ? Math.max(...bounds) : range.end;
      const c = byMu.get(mu) ?? { managementUnitId: mu, agentIds: [], startDate: start, endDate: end };
      c.agentIds.push(outcome.userId);
      c.startDate = Math.min(c.startDate, start);
      c.endDate = Math.max(c.endDate, end);
      byMu.set(mu, c);
    }
    return [...byMu.values()];
  }

  private commitAgent(schedule: GSchedule, outcome: AgentOutcome, ctx: CommitContext): void {
    const previous = outcome.before?.version ?? 0;
    const next = outcome.before ? previous + this.behaviour().agentVersionStep : 1;
    if (outcome.after === null) delete schedule.agents[outcome.userId];
    else {
      schedule.agents[outcome.userId] = {
        ...outcome.after,
        version: next,
        modifiedBy: ctx.clientId,
        dateModified: ctx.at,
      };
    }
    this.record(schedule, outcome.userId, outcome.after === null ? previous : next, outcome.changes, ctx);
  }

  /** A change of version with no shift changed: the publish job, the other integration. */
  bumpAgent(
    schedule: GSchedule,
    userId: string,
    ctx: CommitContext,
    bumpSchedule = true,
  ): GAgentSchedule | undefined {
    const agent = schedule.agents[userId];
    if (!agent) return undefined;
    if (bumpSchedule) this.bumpSchedule(schedule, ctx);
    agent.version++;
    agent.modifiedBy = ctx.clientId;
    agent.dateModified = ctx.at;
    this.record(schedule, userId, agent.version, [], ctx);
    return agent;
  }

  /** Rewrites some of an agent's shifts outside any client's upload (an applied reschedule run). */
  rewriteShifts(schedule: GSchedule, userId: string, next: GShift[], ctx: CommitContext): void {
    const agent = schedule.agents[userId];
    if (!agent) return;
    const changes: ShiftChange[] = [];
    for (const n of next) {
      const old = agent.shifts.find((s) => s.id === n.id);
      if (old) changes.push({ shiftId: n.id, change: 'edited', before: old, after: n });
    }
    if (changes.length === 0) return;
    this.bumpSchedule(schedule, ctx);
    agent.shifts = agent.shifts
      .map((s) => next.find((n) => n.id === s.id) ?? s)
      .sort((a, b) => a.startDate - b.startDate);
    agent.version++;
    agent.modifiedBy = ctx.clientId;
    agent.dateModified = ctx.at;
    this.record(schedule, userId, agent.version, changes, ctx);
  }

  publish(schedule: GSchedule, ctx: CommitContext, bumpAgents: boolean): void {
    schedule.published = true;
    schedule.version++;
    schedule.modifiedBy = ctx.clientId;
    schedule.dateModified = ctx.at;
    if (!bumpAgents) return;
    for (const userId of Object.keys(schedule.agents)) this.bumpAgent(schedule, userId, ctx, false);
  }

  private bumpSchedule(schedule: GSchedule, ctx: CommitContext): void {
    if (ctx.kind !== 'publish' && !this.behaviour().scheduleVersionBumpsOnAgentEdit) return;
    schedule.version++;
    schedule.modifiedBy = ctx.clientId;
    schedule.dateModified = ctx.at;
  }

  private record(
    schedule: GSchedule,
    userId: string,
    version: number,
    changes: ShiftChange[],
    ctx: CommitContext,
  ): void {
    this.ledger.append({
      at: iso(ctx.at),
      kind: ctx.kind,
      clientId: ctx.clientId,
      operationId: ctx.operationId,
      scheduleId: schedule.id,
      weekDate: schedule.weekDate,
      userId,
      version,
      scheduleVersion: schedule.version,
      ...(schedule.agents[userId] ? {} : { agentDeleted: true }),
      shifts: changes.map((c) => ({
        shiftId: c.shiftId,
        change: c.change,
        before: shiftForLedger(c.before),
        after: shiftForLedger(c.after),
        ...(c.byOmission ? { byOmission: true } : {}),
      })),
    });
  }
}
