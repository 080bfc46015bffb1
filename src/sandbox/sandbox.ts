import { DateTime } from 'luxon';
import { parseInstant, toWire } from '../time/instant.js';
import { openWindowAt, type PublishWindow, windowsOpeningBetween } from '../time/publish-window.js';
import type { Shift, ShiftPatch, SwapItem, SwapResult } from '../wfm/contract.js';
import type { ScheduleSnapshot } from '../wfm/snapshot.js';
import { ApiError } from './api-error.js';
import { Ledger, type LedgerKind } from './ledger.js';
import { DEFAULT_BEHAVIOUR, DEFAULT_FAULTS, type SandboxBehaviour, type SandboxFaults } from './options.js';
import { seededRandom, seededUnit } from './rng.js';
import { ScheduleStore } from './schedule-store.js';
import { checkShift, reflowActivities } from './shift-rules.js';
import { checkSnapshot } from './snapshot-check.js';
import type { VirtualClock } from './virtual-clock.js';

export interface WriteContext {
  clientId: string;
  idempotencyKey: string | null;
}

/**
 * The WFM's schedule semantics, free of HTTP: versions, overlap, the publish job and
 * its lock, the ledger. The HTTP layer (server.ts) maps requests onto these methods.
 */
export class WfmSandbox {
  readonly store: ScheduleStore;
  readonly ledger = new Ledger();
  behaviour: SandboxBehaviour;
  faults: SandboxFaults;
  random: () => number;
  /** the publish job has run for every window that opened at or before this instant */
  private publishedThrough: number;
  /** shifts whose first client write the other integration already got in before (mutatorBeforeWriteShare) */
  private readonly racedWrites = new Set<string>();

  constructor(
    snapshot: ScheduleSnapshot,
    readonly clock: VirtualClock,
    public publishWindow: PublishWindow,
    behaviour: Partial<SandboxBehaviour> = {},
    faults: Partial<SandboxFaults> = {},
  ) {
    this.behaviour = { ...DEFAULT_BEHAVIOUR, ...behaviour };
    checkSnapshot(snapshot, this.behaviour);
    this.store = new ScheduleStore(snapshot);
    this.faults = { ...DEFAULT_FAULTS, ...faults };
    this.random = seededRandom(this.faults.seed);
    this.publishedThrough = clock.now();
  }

  setFaults(patch: Partial<SandboxFaults>): void {
    const reseed = patch.seed !== undefined && patch.seed !== this.faults.seed;
    this.faults = { ...this.faults, ...patch };
    if (reseed) this.random = seededRandom(this.faults.seed);
  }

  /**
   * Runs the publish job for every window that opened since the last tick. Called before
   * every request and on a timer, so moving the virtual clock past a window's opening
   * publishes that week exactly once.
   */
  tick(): void {
    const now = this.clock.now();
    if (now <= this.publishedThrough) {
      this.publishedThrough = Math.min(this.publishedThrough, now);
      return;
    }
    for (const occ of windowsOpeningBetween(this.publishedThrough, now, this.publishWindow)) {
      const week = this.publishedWeek(occ.opensAt);
      for (const shift of this.store.inWeek(week)) {
        this.commit(
          'publish',
          shift,
          { ...shift },
          { clientId: 'publish-job', idempotencyKey: null },
          occ.opensAt,
        );
      }
    }
    this.publishedThrough = now;
  }

  /** The week a window occurrence publishes, as its first local day in the business unit's zone. */
  publishedWeek(opensAt: number): string {
    const first = this.store.weekOf(opensAt);
    if (this.behaviour.publishedWeekOffset === 0) return first;
    const zone = this.store.businessUnit.timeZone;
    return DateTime.fromISO(first, { zone }).plus({ weeks: this.behaviour.publishedWeekOffset }).toISODate()!;
  }

  private assertUnlocked(weeks: string[]): void {
    if (!this.behaviour.publishLock) return;
    const now = this.clock.now();
    const open = openWindowAt(now, this.publishWindow);
    if (!open) return;
    const week = this.publishedWeek(open.opensAt);
    if (!weeks.includes(week)) return;
    const retryAfter = Math.max(1, Math.ceil((open.closesAt - now) / 1000));
    throw new ApiError(
      'SCHEDULE_LOCKED',
      `the schedule week starting ${week} is being published; writes resume at ${toWire(open.closesAt)}`,
      { week, lockedUntil: toWire(open.closesAt) },
      this.behaviour.lockRetryAfter ? { 'retry-after': String(retryAfter) } : {},
    );
  }

  getShift(id: string): Shift {
    const shift = this.store.get(id);
    if (!shift) throw new ApiError('NOT_FOUND', `shift '${id}' does not exist`, { shiftId: id });
    return shift;
  }

  patchShift(id: string, patch: ShiftPatch, ctx: WriteContext): Shift {
    let current = this.getShift(id);
    const next = this.candidate(current, patch);
    this.assertUnlocked([current.week, next.week]);
    current = this.raceWrite(current);
    if (patch.version !== current.version) {
      throw new ApiError(
        'VERSION_CONFLICT',
        `shift '${id}' is at version ${current.version}; the change was based on version ${patch.version}`,
        { shiftId: id, currentVersion: current.version, shift: current },
      );
    }
    this.checkCandidate(next, new Set([id]));
    if (sameSchedule(current, next)) return current;
    return this.commit('patch', current, next, ctx);
  }

  /** Each swap is atomic: both shifts change owner, or neither does. Later items see earlier ones. */
  swap(items: SwapItem[], ctx: WriteContext): SwapResult[] {
    return items.map((item) => {
      try {
        return { swapId: item.swapId, status: 'applied' as const, shifts: this.swapOne(item, ctx) };
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        return { swapId: item.swapId, status: 'failed' as const, error: this.errorBody(err) };
      }
    });
  }

  private swapOne(item: SwapItem, ctx: WriteContext): Shift[] {
    if (item.a.shiftId === item.b.shiftId) {
      throw new ApiError('VALIDATION_ERROR', 'a swap needs two different shifts', {
        issues: [{ path: 'b.shiftId', message: 'must differ from a.shiftId' }],
      });
    }
    let a = this.getShift(item.a.shiftId);
    let b = this.getShift(item.b.shiftId);
    if (a.agentId === b.agentId) {
      throw new ApiError('VALIDATION_ERROR', `both shifts belong to agent '${a.agentId}'`, {
        issues: [{ path: 'b.shiftId', message: 'must belong to another agent' }],
      });
    }
    this.assertUnlocked([a.week, b.week]);
    a = this.raceWrite(a);
    b = this.raceWrite(b);
    for (const [side, shift] of [
      [item.a, a],
      [item.b, b],
    ] as const) {
      if (side.version !== shift.version) {
        throw new ApiError(
          'VERSION_CONFLICT',
          `shift '${shift.id}' is at version ${shift.version}; the swap was based on version ${side.version}`,
          { shiftId: shift.id, currentVersion: shift.version, shift },
        );
      }
    }
    const nextA = this.candidate(a, { version: a.version, agentId: b.agentId });
    const nextB = this.candidate(b, { version: b.version, agentId: a.agentId });
    const both = new Set([a.id, b.id]);
    this.checkCandidate(nextA, both);
    this.checkCandidate(nextB, both);
    const swapCtx = { ...ctx, swapId: item.swapId };
    return [this.commit('swap', a, nextA, swapCtx), this.commit('swap', b, nextB, swapCtx)];
  }

  /** The "other integration": changes a random shift outside any locked week, bumping its version. */
  mutateRandomShift(): Shift | undefined {
    const ids = this.store.ids();
    if (ids.length === 0) return undefined;
    const shift = this.store.get(ids[Math.floor(this.random() * ids.length)]!)!;
    try {
      this.assertUnlocked([shift.week]);
    } catch {
      return undefined;
    }
    return this.commit(
      'mutator',
      shift,
      { ...shift },
      { clientId: 'other-integration', idempotencyKey: null },
    );
  }

  /**
   * The "other integration" racing a client (`mutatorBeforeWriteShare`), called as a client's
   * write to `shift` is about to be checked, its week known to be unlocked: for the chosen share
   * of shifts, on the first such write only, the other integration's change (version + 1,
   * nothing else) lands first, and the shift as it now is comes back; otherwise `shift` itself.
   */
  private raceWrite(shift: Shift): Shift {
    const share = this.faults.mutatorBeforeWriteShare;
    if (share <= 0 || this.racedWrites.has(shift.id) || seededUnit(this.faults.seed, shift.id) >= share)
      return shift;
    this.racedWrites.add(shift.id);
    return this.commit(
      'mutator',
      shift,
      { ...shift },
      { clientId: 'other-integration', idempotencyKey: null },
    );
  }

  errorBody(err: ApiError): { errorCode: string; message: string; details?: unknown } {
    if (this.behaviour.opaqueConflicts && err.status === 409) {
      return {
        errorCode: 'SCHEDULE_CONFLICT',
        message: 'Cannot update shift due to overlapping constraint or version mismatch',
      };
    }
    return err.body();
  }

  private candidate(current: Shift, patch: Omit<ShiftPatch, 'version'> & { version: number }): Shift {
    const agentId = patch.agentId ?? current.agentId;
    const agent = this.store.agent(agentId);
    if (!agent) {
      throw new ApiError('VALIDATION_ERROR', `agent '${agentId}' does not exist`, {
        issues: [{ path: 'agentId', message: 'unknown agent' }],
      });
    }
    const start = patch.start ? toWire(parseInstant(patch.start)) : current.start;
    const end = patch.end ? toWire(parseInstant(patch.end)) : current.end;
    const startMs = parseInstant(start);
    const endMs = parseInstant(end);
    const activities = patch.activities
      ? patch.activities.map((a) => ({
          type: a.type,
          start: toWire(parseInstant(a.start)),
          end: toWire(parseInstant(a.end)),
        }))
      : endMs > startMs
        ? reflowActivities(current.activities, startMs, endMs)
        : current.activities;
    return {
      ...current,
      agentId,
      teamId: agent.teamId,
      start,
      end,
      activities,
      week: this.store.weekOf(startMs),
    };
  }

  private checkCandidate(next: Shift, exclude: ReadonlySet<string>): void {
    const zone = this.store.agent(next.agentId)?.timeZone ?? this.store.businessUnit.timeZone;
    checkShift(next, zone, this.behaviour);
    const other = this.store.findOverlap(
      next.agentId,
      parseInstant(next.start),
      parseInstant(next.end),
      exclude,
    );
    if (other) {
      throw new ApiError(
        'SHIFT_OVERLAP',
        `agent '${next.agentId}' already has shift '${other.id}' from ${other.start} to ${other.end}, which overlaps ${next.start}–${next.end}`,
        { agentId: next.agentId, conflictingShiftId: other.id, conflictingShift: other },
      );
    }
  }

  private commit(
    kind: LedgerKind,
    before: Shift,
    next: Shift,
    ctx: WriteContext & { swapId?: string },
    at = this.clock.now(),
  ): Shift {
    const after: Shift = {
      ...next,
      version: before.version + 1,
      updatedAt: toWire(at),
      updatedBy: ctx.clientId,
    };
    this.store.put(after);
    this.ledger.append({
      at: toWire(at),
      kind,
      shiftId: after.id,
      before,
      after,
      version: after.version,
      idempotencyKey: ctx.idempotencyKey,
      clientId: ctx.clientId,
      ...(ctx.swapId ? { swapId: ctx.swapId } : {}),
    });
    return after;
  }

  exportState(): SandboxState {
    return {
      schedule: this.store.snapshot(),
      ledger: this.ledger.toJSON(),
      publishedThrough: toWire(this.publishedThrough),
    };
  }

  restoreState(state: SandboxState): void {
    checkSnapshot(state.schedule, this.behaviour);
    this.store.load(state.schedule);
    this.ledger.restore(state.ledger);
    this.publishedThrough = parseInstant(state.publishedThrough);
  }

  loadSchedule(snapshot: ScheduleSnapshot): void {
    checkSnapshot(snapshot, this.behaviour);
    this.store.load(snapshot);
    this.publishedThrough = this.clock.now();
  }
}

export interface SandboxState {
  schedule: ScheduleSnapshot;
  ledger: ReturnType<Ledger['toJSON']>;
  publishedThrough: string;
}

function sameSchedule(a: Shift, b: Shift): boolean {
  return (
    a.agentId === b.agentId &&
    a.start === b.start &&
    a.end === b.end &&
    a.activities.length === b.activities.length &&
    a.activities.every((x, i) => {
      const y = b.activities[i]!;
      return x.type === y.type && x.start === y.start && x.end === y.end;
    })
  );
}
