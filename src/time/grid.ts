import { DateTime } from 'luxon';

/**
 * The schedule grid is local to a zone. Every zone in use today has an offset that
 * is a multiple of 15 minutes (Kathmandu +5:45, Chatham +12:45), so a local 15-minute
 * grid happens to match the UTC one — but we check in the zone so the rule stays true
 * for a grid of any size (30 or 60 minutes is *not* offset-independent).
 */
export function isOnGrid(ms: number, zone: string, gridMinutes = 15): boolean {
  const local = DateTime.fromMillis(ms, { zone });
  return (
    local.second === 0 && local.millisecond === 0 && (local.hour * 60 + local.minute) % gridMinutes === 0
  );
}

export type SnapMode = 'floor' | 'ceil' | 'nearest';

/** Snaps an instant to the zone's local grid. Works across DST because it walks local minutes-of-day. */
export function snapToGrid(ms: number, zone: string, gridMinutes = 15, mode: SnapMode = 'nearest'): number {
  if (isOnGrid(ms, zone, gridMinutes)) return ms;
  const local = DateTime.fromMillis(ms, { zone });
  const startOfDay = local.startOf('day');
  const minuteOfDay = local.diff(startOfDay, 'minutes').minutes;
  const floorMin = Math.floor(minuteOfDay / gridMinutes) * gridMinutes;
  const floor = startOfDay.plus({ minutes: floorMin }).toMillis();
  const ceil = startOfDay.plus({ minutes: floorMin + gridMinutes }).toMillis();
  if (mode === 'floor') return floor;
  if (mode === 'ceil') return ceil;
  return ms - floor < ceil - ms ? floor : ceil;
}
