import { isOnGrid } from '../../time/grid.js';
import { type GActivityCode, type GShift, shiftEnd } from './model.js';
import { iso } from './wire.js';

export interface ShiftCheckContext {
  zone: string;
  gridMinutes: number;
  maxShiftHours: number;
  layout: 'tile' | 'within';
  codes: ReadonlyMap<string, GActivityCode>;
  /** the schedule's range: a shift must start inside it */
  rangeStart: number;
  rangeEnd: number;
}

/**
 * Why Genesys would refuse this shift, or null. Genesys documents none of these rules (an
 * update that breaks one only ends in an `Error` result), so they are the stricter reading:
 * inside the schedule's weeks, on the grid, no longer than maxShiftHours, every activity on an
 * active code and on the grid, and the activities tiling the shift (or, with layout 'within',
 * inside it without overlapping).
 */
export function shiftProblem(shift: GShift, ctx: ShiftCheckContext): string | null {
  const end = shiftEnd(shift);
  const where = `shift ${shift.id} at ${iso(shift.startDate)}`;
  if (!(shift.lengthMinutes > 0)) return `${where}: lengthMinutes must be positive`;
  if (shift.lengthMinutes > ctx.maxShiftHours * 60)
    return `${where}: ${shift.lengthMinutes} minutes is longer than ${ctx.maxShiftHours} hours`;
  if (shift.startDate < ctx.rangeStart || shift.startDate >= ctx.rangeEnd)
    return `${where}: starts outside the schedule's weeks (${iso(ctx.rangeStart)} to ${iso(ctx.rangeEnd)})`;
  if (!isOnGrid(shift.startDate, ctx.zone, ctx.gridMinutes) || !isOnGrid(end, ctx.zone, ctx.gridMinutes))
    return `${where}: start and end must lie on the ${ctx.gridMinutes}-minute grid in ${ctx.zone}`;
  if (shift.activities.length === 0) return `${where}: a shift needs at least one activity`;
  const sorted = [...shift.activities].sort((a, b) => a.startDate - b.startDate);
  let cursor = shift.startDate;
  for (const [i, a] of sorted.entries()) {
    const code = ctx.codes.get(a.activityCodeId);
    if (!code) return `${where}: activity ${i} has unknown activityCodeId '${a.activityCodeId}'`;
    if (!code.active) return `${where}: activity ${i} uses deleted activity code '${a.activityCodeId}'`;
    const aEnd = a.startDate + a.lengthMinutes * 60_000;
    if (!(a.lengthMinutes > 0)) return `${where}: activity ${i} must have a positive lengthMinutes`;
    if (!isOnGrid(a.startDate, ctx.zone, ctx.gridMinutes) || !isOnGrid(aEnd, ctx.zone, ctx.gridMinutes))
      return `${where}: activity ${i} must lie on the ${ctx.gridMinutes}-minute grid`;
    if (a.startDate < shift.startDate || aEnd > end) return `${where}: activity ${i} lies outside the shift`;
    if (ctx.layout === 'tile' && a.startDate !== cursor)
      return `${where}: activities must tile the shift; activity ${i} starts at ${iso(a.startDate)}, expected ${iso(cursor)}`;
    if (a.startDate < cursor) return `${where}: activity ${i} overlaps the one before it`;
    cursor = aEnd;
  }
  if (ctx.layout === 'tile' && cursor !== end)
    return `${where}: activities end at ${iso(cursor)} but the shift ends at ${iso(end)}`;
  return null;
}
