import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { ShiftMutation } from '../../src/planner/adjustment.js';
import { isOnGrid } from '../../src/time/grid.js';
import { parseInstant, toWire } from '../../src/time/instant.js';
import type { Activity, ActivityType, Shift } from '../../src/wfm/contract.js';
import { planMutation } from '../../src/writer/mutation.js';
import { ZONES } from './support/zones.js';

const Q = 15 * 60_000;
const TYPES: ActivityType[] = ['on-queue', 'break', 'meal', 'training', 'meeting', 'coaching', 'off-queue'];

/**
 * Shifts on the local 15-minute grid of a zone from the BRIEF's set, starting on any day
 * of 2026–2027 (so across every DST change), with activities tiling them.
 */
const arbShift = fc
  .record({
    zone: fc.constantFrom(...ZONES),
    day: fc.integer({ min: 0, max: 729 }),
    slot: fc.integer({ min: 0, max: 95 }),
    quarters: fc.integer({ min: 2, max: 48 }),
    cuts: fc.uniqueArray(fc.integer({ min: 1, max: 47 }), { maxLength: 8 }),
    types: fc.array(fc.constantFrom(...TYPES), { minLength: 9, maxLength: 9 }),
  })
  .map(({ zone, day, slot, quarters, cuts, types }) => {
    const start =
      DateTime.fromISO('2026-01-01', { zone }).plus({ days: day }).startOf('day').toMillis() + slot * Q;
    const end = start + quarters * Q;
    const points = [
      start,
      ...cuts
        .filter((c) => c < quarters)
        .sort((a, b) => a - b)
        .map((c) => start + c * Q),
      end,
    ];
    const activities: Activity[] = points
      .slice(1)
      .map((e, i) => ({ type: types[i]!, start: toWire(points[i]!), end: toWire(e) }));
    const shift: Shift = {
      id: 'shift-p',
      agentId: 'agent-p',
      teamId: 'team-p',
      start: toWire(start),
      end: toWire(end),
      activities,
      version: 3,
      week: '2026-01-04',
      updatedAt: toWire(start),
      updatedBy: 'gen',
    };
    return { zone, shift, start, end, quarters };
  });

/** An instant written with the zone's own offset, e.g. 2026-11-29T02:00:00+08:00: the writer must send it as UTC. */
function local(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toISO({ suppressMilliseconds: true })!;
}

/** The activity type at each quarter hour of [from, to). */
function typeAt(activities: Activity[], ms: number): ActivityType | undefined {
  return activities.find((a) => parseInstant(a.start) <= ms && ms < parseInstant(a.end))?.type;
}

function applied(shift: Shift, fields: { start?: string; end?: string; activities: Activity[] }): Shift {
  return { ...shift, ...fields, version: shift.version + 1 };
}

function expectWellFormed(shift: Shift, zone: string): void {
  const instants = [shift.start, shift.end, ...shift.activities.flatMap((a) => [a.start, a.end])];
  for (const i of instants) {
    expect(i).toMatch(/Z$/);
    expect(isOnGrid(parseInstant(i), zone)).toBe(true);
  }
  let cursor = parseInstant(shift.start);
  for (const a of shift.activities) {
    expect(parseInstant(a.start)).toBe(cursor);
    expect(parseInstant(a.end)).toBeGreaterThan(cursor);
    cursor = parseInstant(a.end);
  }
  expect(cursor).toBe(parseInstant(shift.end));
}

const arbBoundsCase = arbShift.chain((c) =>
  fc.record({
    c: fc.constant(c),
    kind: fc.constantFrom('set-end' as const, 'set-start' as const),
    delta: fc.integer({ min: -(c.quarters - 1), max: 16 }),
  }),
);

describe('target-state mutations (property tests across the BRIEF zone set and DST)', () => {
  it('moving a bound gives UTC instants on the zone grid, activities tiling the new shift, old time kept and new time on-queue', () => {
    fc.assert(
      fc.property(arbBoundsCase, ({ c, kind, delta }) => {
        const { zone, shift, start, end } = c;
        const newStart = kind === 'set-start' ? start - delta * Q : start;
        const newEnd = kind === 'set-end' ? end + delta * Q : end;
        const mutation: ShiftMutation =
          kind === 'set-end' ? { kind, end: local(newEnd, zone) } : { kind, start: local(newStart, zone) };
        const plan = planMutation(shift, mutation);
        if (delta === 0) {
          expect(plan.kind).toBe('satisfied');
          return;
        }
        expect(plan.kind).toBe('write');
        if (plan.kind !== 'write') return;
        const next = applied(shift, plan.fields);
        expectWellFormed(next, zone);
        expect(parseInstant(next.start)).toBe(newStart);
        expect(parseInstant(next.end)).toBe(newEnd);
        for (let t = newStart; t < newEnd; t += Q) {
          const inOld = t >= start && t < end;
          expect(typeAt(next.activities, t)).toBe(inOld ? typeAt(shift.activities, t) : 'on-queue');
        }
        // Re-planned on its own result, the intent is already true: nothing more to write.
        expect(planMutation(next, mutation).kind).toBe('satisfied');
      }),
      { numRuns: 500 },
    );
  });

  it('turning activities into on-queue time changes exactly the chosen types inside the window, and is idempotent', () => {
    fc.assert(
      fc.property(
        arbShift,
        fc.integer({ min: -4, max: 48 }),
        fc.integer({ min: 1, max: 24 }),
        fc.uniqueArray(fc.constantFrom<ActivityType>(...TYPES.filter((t) => t !== 'on-queue')), {
          minLength: 1,
        }),
        ({ zone, shift, start, end }, offset, length, types) => {
          const from = start + offset * Q;
          const to = from + length * Q;
          const mutation: ShiftMutation = {
            kind: 'activities-to-on-queue',
            from: local(from, zone),
            to: local(to, zone),
            types,
          };
          const plan = planMutation(shift, mutation);
          const touched = shift.activities.some(
            (a) => types.includes(a.type) && parseInstant(a.start) < to && from < parseInstant(a.end),
          );
          expect(plan.kind).toBe(touched ? 'write' : 'satisfied');
          if (plan.kind !== 'write') return;
          const next = applied(shift, plan.fields);
          expectWellFormed(next, zone);
          expect(next.start).toBe(shift.start);
          expect(next.end).toBe(shift.end);
          for (let t = start; t < end; t += Q) {
            const before = typeAt(shift.activities, t)!;
            const converted = t >= from && t < to && types.includes(before);
            expect(typeAt(next.activities, t)).toBe(converted ? 'on-queue' : before);
          }
          expect(planMutation(next, mutation).kind).toBe('satisfied');
        },
      ),
      { numRuns: 500 },
    );
  });

  it('a target the shift cannot hold is impossible, not written', () => {
    fc.assert(
      fc.property(arbShift, fc.integer({ min: 0, max: 8 }), ({ shift, start, end }, q) => {
        expect(planMutation(shift, { kind: 'set-end', end: toWire(start - q * Q) }).kind).toBe('impossible');
        expect(planMutation(shift, { kind: 'set-start', start: toWire(end + q * Q) }).kind).toBe(
          'impossible',
        );
      }),
    );
  });

  it('the same instant written with any offset is the same target', () => {
    fc.assert(
      fc.property(
        arbShift,
        fc.constantFrom(...ZONES),
        fc.integer({ min: 1, max: 8 }),
        ({ shift, end }, other, q) => {
          const target = end + q * Q;
          const a = planMutation(shift, { kind: 'set-end', end: toWire(target) });
          const b = planMutation(shift, { kind: 'set-end', end: local(target, other) });
          expect(b).toEqual(a);
        },
      ),
    );
  });
});
