import type { Shift } from '../contract.js';
import type { Org } from './org.js';
import type { AgentCopy } from './schedules.js';
import { toShift } from './shift-map.js';

/** Where a shift lives: the BU schedule and the agent whose schedule holds it. */
export interface ShiftHome {
  scheduleId: string;
  userId: string;
}

const key = (scheduleId: string, userId: string) => `${scheduleId}|${userId}`;

/**
 * The latest copy of each agent's schedule the backend has read or written, the home of every
 * shift seen, and where a swapped shift went (a swap re-creates it under a new id with its new
 * owner). Every copy kept is told to the listeners (the writer's version cache): a write to one
 * shift bumps the version of every shift of the agent.
 */
export class AgentCopies {
  readonly #copies = new Map<string, AgentCopy>();
  readonly #home = new Map<string, ShiftHome>();
  readonly #moved = new Map<string, string>();
  readonly #listeners: Array<(shifts: Shift[]) => void> = [];

  observe(listener: (shifts: Shift[]) => void): void {
    this.#listeners.push(listener);
  }

  /** Keeps a copy unless a newer one is known (versions only grow). */
  keep(copy: AgentCopy, org: Org): void {
    const k = key(copy.scheduleId, copy.userId);
    const known = this.#copies.get(k);
    if (known && known.version > copy.version) return;
    this.#copies.set(k, copy);
    for (const s of copy.shifts) this.#home.set(s.id, { scheduleId: copy.scheduleId, userId: copy.userId });
    if (this.#listeners.length > 0) {
      const shifts = shiftsOf(copy, org);
      for (const l of this.#listeners) l(shifts);
    }
  }

  get(scheduleId: string, userId: string): AgentCopy | undefined {
    return this.#copies.get(key(scheduleId, userId));
  }

  has(scheduleId: string, userId: string): boolean {
    return this.#copies.has(key(scheduleId, userId));
  }

  delete(scheduleId: string, userId: string): void {
    this.#copies.delete(key(scheduleId, userId));
  }

  home(shiftId: string): ShiftHome | undefined {
    return this.#home.get(shiftId);
  }

  /** A shift id as it is now, following swaps. */
  current(shiftId: string): string {
    let id = shiftId;
    for (let i = 0; i < 8 && this.#moved.has(id); i++) id = this.#moved.get(id)!;
    return id;
  }

  moved(from: string, to: string): void {
    this.#moved.set(from, to);
  }

  /** The project's shift `shiftId` in an agent's copy. */
  shift(scheduleId: string, userId: string, shiftId: string, org: Org): Shift | undefined {
    const copy = this.get(scheduleId, userId);
    const id = this.current(shiftId);
    return copy ? shiftsOf(copy, org).find((s) => s.id === id) : undefined;
  }
}

/** An agent's copy as the project's shifts, each carrying the agent's version. */
export function shiftsOf(copy: AgentCopy, org: Org): Shift[] {
  const ctx = {
    agentId: copy.userId,
    teamId: org.teamOf(copy.userId),
    version: copy.version,
    weekOf: (ms: number) => org.weekOf(ms),
    updatedAt: copy.updatedAt,
    updatedBy: copy.updatedBy,
  };
  return copy.shifts.map((g) => toShift(g, ctx, org.codes));
}
