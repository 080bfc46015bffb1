import { IANAZone } from 'luxon';
import { UnknownZoneError } from './zone.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * The schedule grid is the wall-clock grid of a zone: an instant is on the `gridMinutes` grid
 * when the zone's clock shows no seconds at it and its minute of the day (hour × 60 + minute, as
 * the clock reads, not minutes elapsed since midnight) is a multiple of the grid. Every zone in
 * use today has an offset that is a multiple of 15 minutes, so the 15-minute grid happens to
 * match UTC's; a 30- or 60-minute grid does not (Kathmandu +05:45, Adelaide +09:30), and on a
 * DST day the clock skips or repeats minutes, so everything here reads the clock in the zone.
 */
export function isOnGrid(ms: number, zone: string, gridMinutes = 15): boolean {
  // an unknown zone has no clock: its offset is NaN, and nothing is on its grid
  const ofDay = mod(wallClock(ms, IANAZone.create(zone)), DAY_MS);
  return ofDay % MINUTE_MS === 0 && (ofDay / MINUTE_MS) % gridMinutes === 0;
}

export type SnapMode = 'floor' | 'ceil' | 'nearest';

export class GridSizeError extends Error {
  readonly code = 'TR_ERR_GRID_SIZE';
  readonly retriable = false;
  constructor(readonly gridMinutes: number) {
    super(
      `a grid of ${gridMinutes} minutes does not divide the day evenly: use a whole number of minutes that divides 1440, such as 15, 30 or 60`,
    );
    this.name = 'GridSizeError';
  }
}

/**
 * Snaps an instant to the zone's wall-clock grid (see isOnGrid), for a grid that divides the
 * day (15, 30, 60 minutes, or any divisor of 1440). `floor` is the greatest on-grid instant ≤ ms,
 * `ceil` the least ≥ ms, `nearest` the closer of the two (`ceil` on a tie).
 *
 * Only instants that exist are on the grid. A grid time the clock skips on a spring-forward
 * night is skipped: with a 60-minute grid on Lord Howe's 2026-10-04 (02:00 +10:30 jumps to
 * 02:30 +11:00), the ceil of 01:50 +10:30 is 03:00 +11:00, and the floor of 03:10 +11:00 is
 * 03:00 +11:00. A grid time the clock shows twice on a fall-back night is on the grid both times.
 */
export function snapToGrid(ms: number, zone: string, gridMinutes = 15, mode: SnapMode = 'nearest'): number {
  if (!Number.isInteger(gridMinutes) || gridMinutes < 1 || DAY_MS % (gridMinutes * MINUTE_MS) !== 0)
    throw new GridSizeError(gridMinutes);
  const tz = tzOf(zone);
  const grid = gridMinutes * MINUTE_MS;
  if (mod(wallClock(ms, tz), grid) === 0) return ms;
  if (mode === 'floor') return floorOnGrid(ms, tz, grid);
  if (mode === 'ceil') return ceilOnGrid(ms, tz, grid);
  const floor = floorOnGrid(ms, tz, grid);
  const ceil = ceilOnGrid(ms, tz, grid);
  return ms - floor < ceil - ms ? floor : ceil;
}

/*
 * Under one offset o, the instants whose clock reading is on the grid are those t with t + o a
 * multiple of the grid: one every grid length. Such a t is on the zone's grid when the zone's
 * offset at t is o. The true floor has one of the offsets the zone uses near ms, so walking each
 * of those progressions down from ms to its first instant that has its offset, and taking the
 * greatest, finds it: every instant found is on the grid and ≤ ms. The floor lies less than two
 * grid lengths before ms (a stretch of one offset as long as the grid holds a grid time), so the
 * offsets to try are those at hourly samples over that span: that misses none unless a zone
 * changed its offset twice within an hour, which none does. The ceil is the same, upwards.
 */
function floorOnGrid(ms: number, tz: IANAZone, grid: number): number {
  let best = Number.NEGATIVE_INFINITY;
  for (const o of offsetsOver(tz, ms - 2 * grid, ms)) {
    for (let t = Math.floor((ms + o) / grid) * grid - o; t > best && t > ms - 3 * grid; t -= grid) {
      if (offsetMs(tz, t) === o) {
        best = t;
        break;
      }
    }
  }
  return best;
}

function ceilOnGrid(ms: number, tz: IANAZone, grid: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (const o of offsetsOver(tz, ms, ms + 2 * grid)) {
    for (let t = Math.ceil((ms + o) / grid) * grid - o; t < best && t < ms + 3 * grid; t += grid) {
      if (offsetMs(tz, t) === o) {
        best = t;
        break;
      }
    }
  }
  return best;
}

/** The zone's offsets (ms) at `from`, `to` and every hour between. */
function offsetsOver(tz: IANAZone, from: number, to: number): Set<number> {
  const out = new Set<number>([offsetMs(tz, to)]);
  for (let t = from; t < to; t += HOUR_MS) out.add(offsetMs(tz, t));
  return out;
}

function tzOf(zone: string): IANAZone {
  const tz = IANAZone.create(zone);
  if (!tz.isValid) throw new UnknownZoneError(zone);
  return tz;
}

function offsetMs(tz: IANAZone, ms: number): number {
  return tz.offset(ms) * MINUTE_MS;
}

/** the zone's clock reading at `ms`, as epoch ms of that reading in UTC */
function wallClock(ms: number, tz: IANAZone): number {
  return ms + offsetMs(tz, ms);
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}
