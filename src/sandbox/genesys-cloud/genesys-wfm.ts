import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { openWindowAt, type PublishWindow, windowsOpeningBetween } from '../../time/publish-window.js';
import { type IsoWeekday, scheduleWeekOf } from '../../time/schedule-week.js';
import { seededRandom, seededUnit } from '../rng.js';
import type { VirtualClock } from '../virtual-clock.js';
import { planUpdate } from './apply-update.js';
import { BuSchedules, type CommitContext } from './bu-schedules.js';
import { DAY_NAMES, type GenesysState, type GSchedule, type GShift, shiftEnd } from './model.js';
import {
  DEFAULT_GENESYS_BEHAVIOUR,
  DEFAULT_GENESYS_FAULTS,
  type GenesysBehaviour,
  type GenesysFaults,
} from './options.js';
import { type GRun, runNotification, SchedulingRuns } from './scheduling-runs.js';
import { readUpload } from './upload-schema.js';
import { iso, scheduleMetadata } from './wire.js';

/** Sends an event body to every channel subscribed to a topic (the notification hub's publish). */
export type Notify = (topicName: string, eventBody: unknown) => void;

/** What became of an update or query job, kept for the admin API (Genesys itself tells no reason). */
export interface OperationRecord {
  operationId: string;
  kind: 'update' | 'query';
  scheduleId: string;
  clientId: string;
  status: 'Processing' | 'Complete' | 'Error';
  reason?: string;
  submittedAt: string;
  completedAt?: string;
  notified?: boolean;
}

export type UpdateOutcome =
  | { status: 'Complete'; result: Record<string, unknown> }
  | { status: 'Error'; reason: string };

const OPERATIONS_KEPT = 10_000;

/**
 * The emulated Genesys Cloud WFM, free of HTTP: the business unit's schedules and their versions,
 * update jobs, the publish job and its lock, reschedule runs, the other integration, and the
 * notifications each of them sends. The routes map requests onto these methods.
 */
export class GenesysWfm {
  readonly store: BuSchedules;
  readonly runs = new SchedulingRuns();
  readonly operations = new Map<string, OperationRecord>();
  behaviour: GenesysBehaviour;
  faults: GenesysFaults;
  random: () => number;
  /** the publish job has run for every window that opened at or before this instant */
  private publishedThrough: number;
  /** agent schedules the racing other integration already got in before (mutatorBeforeWriteShare) */
  private readonly raced = new Set<string>();

  constructor(
    state: GenesysState,
    readonly clock: VirtualClock,
    public publishWindow: PublishWindow,
    private readonly notify: Notify,
    behaviour: Partial<GenesysBehaviour> = {},
    faults: Partial<GenesysFaults> = {},
  ) {
    this.behaviour = { ...DEFAULT_GENESYS_BEHAVIOUR, ...behaviour };
    this.faults = { ...DEFAULT_GENESYS_FAULTS, ...faults };
    this.random = seededRandom(this.faults.seed);
    this.store = new BuSchedules(state, () => this.behaviour);
    this.publishedThrough = clock.now();
  }

  get businessUnitId(): string {
    return this.store.state.businessUnit.id;
  }

  /** v2.workforcemanagement.businessunits.{id}.schedules */
  get schedulesTopic(): string {
    return `v2.workforcemanagement.businessunits.${this.businessUnitId}.schedules`;
  }

  /** v2.workforcemanagement.businessunits.{id}.scheduling.runs */
  get runsTopic(): string {
    return `v2.workforcemanagement.businessunits.${this.businessUnitId}.scheduling.runs`;
  }

  setFaults(patch: Partial<GenesysFaults>): void {
    const reseed = patch.seed !== undefined && patch.seed !== this.faults.seed;
    this.faults = { ...this.faults, ...patch };
    if (reseed) this.random = seededRandom(this.faults.seed);
  }

  /** The schedule week (its first local day) an instant falls in, in the business unit's zone. */
  weekOf(ms: number): string {
    const bu = this.store.state.businessUnit;
    return scheduleWeekOf(ms, bu.timeZone, (DAY_NAMES.indexOf(bu.startDayOfWeek) + 1) as IsoWeekday);
  }

  /** The week a publish window occurrence publishes. */
  publishedWeek(opensAt: number): string {
    const first = this.weekOf(opensAt);
    if (this.behaviour.publishedWeekOffset === 0) return first;
    return DateTime.fromISO(first, { zone: this.store.zone })
      .plus({ weeks: this.behaviour.publishedWeekOffset })
      .toISODate()!;
  }

  /**
   * Runs the publish job for every window that opened since the last tick: each published schedule
   * spanning the published week is published again (its version and, by default, every agent's
   * bumped; drafts are left alone) and the business unit's schedules topic hears an `Update` with
   * the new metadata. Every schedule spanning that week takes no update while the window is open.
   */
  tick(): void {
    const now = this.clock.now();
    if (now <= this.publishedThrough) {
      this.publishedThrough = Math.min(this.publishedThrough, now);
      return;
    }
    for (const occ of windowsOpeningBetween(this.publishedThrough, now, this.publishWindow)) {
      const week = this.publishedWeek(occ.opensAt);
      for (const schedule of this.store.spanning(week).filter((s) => s.published)) {
        const operationId = randomUUID();
        this.store.publish(
          schedule,
          { kind: 'publish', clientId: 'publish-job', operationId, at: occ.opensAt },
          this.behaviour.publishBumpsAgentVersions,
        );
        this.notify(this.schedulesTopic, {
          status: 'Complete',
          operationId,
          eventType: 'Update',
          result: scheduleMetadata(schedule, this.store.state),
        });
      }
    }
    this.publishedThrough = now;
  }

  /** While a publish window is open, the week it publishes and when the lock ends; else null. */
  publishLock(schedule: GSchedule): { week: string; until: number } | null {
    const open = openWindowAt(this.clock.now(), this.publishWindow);
    if (!open) return null;
    const week = this.publishedWeek(open.opensAt);
    return this.store.weeksOf(schedule).includes(week) ? { week, until: open.closesAt } : null;
  }

  record(op: OperationRecord): void {
    this.operations.set(op.operationId, op);
    if (this.operations.size > OPERATIONS_KEPT) this.operations.delete(this.operations.keys().next().value!);
  }

  /**
   * The update job: reads the uploaded bytes, refuses a week being published and management
   * units under a reschedule run, lets the racing other integration in, checks versions and
   * shifts, and commits. An `Error` carries its reason here only; the notification has none.
   */
  runUpdate(scheduleId: string, bytes: Buffer, clientId: string, operationId: string): UpdateOutcome {
    this.tick();
    const schedule = this.store.schedule(scheduleId);
    if (!schedule) return { status: 'Error', reason: `schedule ${scheduleId} no longer exists` };
    const read = readUpload(bytes);
    if (!read.ok) return { status: 'Error', reason: read.reason };
    const upload = read.upload;
    const lock = this.publishLock(schedule);
    if (lock) {
      return {
        status: 'Error',
        reason: `the week of ${lock.week} is being published until ${iso(lock.until)}; schedule ${scheduleId} takes no update until then`,
      };
    }
    const agentIds = (upload.agentSchedules ?? []).map((a) => a.userId);
    if (this.behaviour.rescheduleLocksWrites) {
      const mus = agentIds.map((id) => this.store.managementUnitOf(id)).filter((m): m is string => !!m);
      const runs = this.runs.inProgress(scheduleId, mus);
      if (runs.length > 0) {
        return {
          status: 'Error',
          reason: `reschedule run ${runs[0]!.id} (${runs[0]!.state}) is in progress over management units ${runs[0]!.managementUnitIds.join(', ')}`,
        };
      }
    }
    for (const userId of agentIds) this.raceWrite(schedule, userId);
    const range = this.store.range(schedule);
    const plan = planUpdate(upload, {
      schedule,
      knownUsers: new Set(this.store.state.users.map((u) => u.id)),
      behaviour: this.behaviour,
      check: {
        zone: this.store.zone,
        gridMinutes: this.behaviour.gridMinutes,
        maxShiftHours: this.behaviour.maxShiftHours,
        layout: this.behaviour.activityLayout,
        codes: new Map(this.store.state.activityCodes.map((c) => [c.id, c])),
        rangeStart: range.start,
        rangeEnd: range.end,
      },
      newShiftId: () => this.store.newShiftId(),
    });
    if (!plan.ok) return { status: 'Error', reason: plan.reason };
    const changes = this.store.commit(schedule, plan, {
      kind: 'update',
      clientId,
      operationId,
      at: this.clock.now(),
    });
    return { status: 'Complete', result: scheduleMetadata(schedule, this.store.state, { changes }) };
  }

  /**
   * The other integration racing a client (`mutatorBeforeWriteShare`): for the chosen share of
   * agent schedules, on the first update touching one, its change (version + 1, no shift
   * changed) lands first, so the update's version for that agent is stale.
   */
  private raceWrite(schedule: GSchedule, userId: string): void {
    const share = this.faults.mutatorBeforeWriteShare;
    const key = `${schedule.id}/${userId}`;
    if (share <= 0 || this.raced.has(key) || seededUnit(this.faults.seed, key) >= share) return;
    if (!schedule.agents[userId]) return;
    this.raced.add(key);
    this.store.bumpAgent(schedule, userId, this.otherIntegration());
  }

  private otherIntegration(): CommitContext {
    return { kind: 'mutator', clientId: 'other-integration', operationId: null, at: this.clock.now() };
  }

  /** The other integration: bumps a random agent's version in a schedule no publish lock holds. */
  mutateRandomAgent(): boolean {
    const schedules = this.store.state.schedules.filter((s) => !this.publishLock(s));
    if (schedules.length === 0) return false;
    const schedule = schedules[Math.floor(this.random() * schedules.length)]!;
    const users = Object.keys(schedule.agents);
    if (users.length === 0) return false;
    const userId = users[Math.floor(this.random() * users.length)]!;
    return this.store.bumpAgent(schedule, userId, this.otherIntegration()) !== undefined;
  }

  announceRun(run: GRun): void {
    this.notify(this.runsTopic, runNotification(run));
  }

  /**
   * Applies a completed reschedule run the way its result is applied in Genesys (through an
   * update): the shifts of its management units inside its range move by `moveMinutes`, except
   * those marked manuallyEdited when the run was told not to change them, and except a move
   * that would overlap a neighbour or leave the schedule. Returns the shifts moved.
   */
  applyRun(run: GRun, moveMinutes: number): number {
    const schedule = this.store.schedule(run.scheduleId);
    if (!schedule) return 0;
    const range = this.store.range(schedule);
    const ctx: CommitContext = {
      kind: 'reschedule',
      clientId: 'rescheduling',
      operationId: run.id,
      at: this.clock.now(),
    };
    let moved = 0;
    const changedMus = new Map<
      string,
      { managementUnitId: string; agentIds: string[]; startDate: number; endDate: number }
    >();
    for (const [userId, agent] of Object.entries(schedule.agents)) {
      const mu = this.store.managementUnitOf(userId);
      if (!mu || !run.managementUnitIds.includes(mu)) continue;
      const next: GShift[] = [];
      for (const s of agent.shifts) {
        if (s.startDate < run.startDate || s.startDate >= run.endDate) continue;
        if (run.doNotChangeManuallyEditedShifts && s.manuallyEdited) continue;
        const delta = moveMinutes * 60_000;
        const m: GShift = {
          ...s,
          startDate: s.startDate + delta,
          activities: s.activities.map((a) => ({ ...a, startDate: a.startDate + delta })),
        };
        const clash = agent.shifts.some(
          (o) => o.id !== s.id && m.startDate < shiftEnd(o) && o.startDate < shiftEnd(m),
        );
        if (clash || m.startDate < range.start || shiftEnd(m) > range.end) continue;
        next.push(m);
      }
      if (next.length === 0) continue;
      this.store.rewriteShifts(schedule, userId, next, ctx);
      moved += next.length;
      const bounds = next.flatMap((m) => [m.startDate - moveMinutes * 60_000, shiftEnd(m)]);
      const c = changedMus.get(mu) ?? {
        managementUnitId: mu,
        agentIds: [],
        startDate: Math.min(...bounds),
        endDate: Math.max(...bounds),
      };
      c.agentIds.push(userId);
      c.startDate = Math.min(c.startDate, ...bounds);
      c.endDate = Math.max(c.endDate, ...bounds);
      changedMus.set(mu, c);
    }
    run.applied = true;
    if (moved > 0) {
      this.notify(this.schedulesTopic, {
        status: 'Complete',
        operationId: randomUUID(),
        eventType: 'Update',
        result: scheduleMetadata(schedule, this.store.state, { changes: [...changedMus.values()] }),
      });
    }
    return moved;
  }

  exportState(): GenesysSandboxState {
    return {
      state: this.store.state,
      ledger: this.store.ledger.toJSON(),
      runs: this.runs.runs,
      publishedThrough: iso(this.publishedThrough),
    };
  }

  restoreState(saved: GenesysSandboxState): void {
    this.store.state = saved.state;
    this.store.ledger.restore(saved.ledger);
    this.runs.runs = saved.runs;
    this.publishedThrough = Date.parse(saved.publishedThrough);
  }

  loadState(state: GenesysState): void {
    this.store.state = state;
    this.publishedThrough = this.clock.now();
  }
}

export interface GenesysSandboxState {
  state: GenesysState;
  ledger: ReturnType<BuSchedules['ledger']['toJSON']>;
  runs: GRun[];
  publishedThrough: string;
}
