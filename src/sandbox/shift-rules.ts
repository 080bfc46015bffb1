import { isOnGrid } from '../time/grid.js';
import { parseInstant, toWire } from '../time/instant.js';
import type { Activity, Shift } from '../wfm/contract.js';
import { ApiError } from './api-error.js';

/**
 * The invariants every stored shift keeps, checked on UTC instants:
 * on the grid (in the agent's zone), end after start, at most `maxShiftHours`,
 * activities tiling the shift exactly (no gap, no overlap, nothing outside).
 */
export interface ShiftLimits {
  gridMinutes: number;
  maxShiftHours: number;
}

function invalid(path: string, message: string, value?: unknown): ApiError {
  return new ApiError('VALIDATION_ERROR', `${path}: ${message}`, {
    issues: [{ path, message }],
    ...(value === undefined ? {} : { value }),
  });
}

export function checkShift(shift: Shift, zone: string, limits: ShiftLimits): void {
  const start = parseInstant(shift.start);
  const end = parseInstant(shift.end);
  if (!(end > start)) throw invalid('end', `must be after start (${shift.start})`, shift.end);
  if (end - start > limits.maxShiftHours * 3_600_000) {
    throw invalid(
      'end',
      `shift would last ${(end - start) / 3_600_000} h; the maximum is ${limits.maxShiftHours} h`,
    );
  }
  for (const [path, ms, raw] of [
    ['start', start, shift.start],
    ['end', end, shift.end],
  ] as const) {
    if (!isOnGrid(ms, zone, limits.gridMinutes)) {
      throw invalid(path, `must lie on the ${limits.gridMinutes}-minute grid in ${zone}`, raw);
    }
  }
  let cursor = start;
  shift.activities.forEach((a, i) => {
    const aStart = parseInstant(a.start);
    const aEnd = parseInstant(a.end);
    if (aStart !== cursor) {
      throw invalid(
        `activities.${i}.start`,
        `activities must tile the shift without gaps; expected ${toWire(cursor)}`,
        a.start,
      );
    }
    if (!(aEnd > aStart)) throw invalid(`activities.${i}.end`, 'must be after the activity start', a.end);
    if (!isOnGrid(aEnd, zone, limits.gridMinutes)) {
      throw invalid(
        `activities.${i}.end`,
        `must lie on the ${limits.gridMinutes}-minute grid in ${zone}`,
        a.end,
      );
    }
    cursor = aEnd;
  });
  if (shift.activities.length === 0) throw invalid('activities', 'a shift needs at least one activity');
  if (cursor !== end)
    throw invalid('activities', `activities end at ${toWire(cursor)} but the shift ends at ${shift.end}`);
}

/**
 * When a PATCH moves start or end without sending activities, the activities follow:
 * clipped to the new bounds, and any new time at either edge becomes on-queue time
 * (what a planner means by "extend this shift by 30 minutes").
 */
export function reflowActivities(activities: Activity[], startMs: number, endMs: number): Activity[] {
  const out: Array<{ type: Activity['type']; s: number; e: number }> = [];
  for (const a of activities) {
    const s = Math.max(parseInstant(a.start), startMs);
    const e = Math.min(parseInstant(a.end), endMs);
    if (e > s) out.push({ type: a.type, s, e });
  }
  const first = out[0];
  if (!first || first.s > startMs) {
    if (first?.type === 'on-queue') first.s = startMs;
    else out.unshift({ type: 'on-queue', s: startMs, e: first ? first.s : endMs });
  }
  const last = out.at(-1)!;
  if (last.e < endMs) {
    if (last.type === 'on-queue') last.e = endMs;
    else out.push({ type: 'on-queue', s: last.e, e: endMs });
  }
  return out.map((a) => ({ type: a.type, start: toWire(a.s), end: toWire(a.e) }));
}

/** Normalises every instant of a shift to the UTC wire form. */
export function normaliseShift(shift: Shift): Shift {
  return {
    ...shift,
    start: toWire(parseInstant(shift.start)),
    end: toWire(parseInstant(shift.end)),
    updatedAt: toWire(parseInstant(shift.updatedAt)),
    activities: shift.activities.map((a) => ({
      type: a.type,
      start: toWire(parseInstant(a.start)),
      end: toWire(parseInstant(a.end)),
    })),
  };
}

export function overlaps(aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
  return aStart < bEnd && bStart < aEnd;
}
