import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ActivityType } from '../../../src/wfm/contract.js';
import {
  type ActivityCode,
  ActivityCodeTable,
  CATEGORIES,
} from '../../../src/wfm/genesys-cloud/activity-codes.js';
import {
  changedShift,
  type GenesysShift,
  toShift,
  unchangedShift,
} from '../../../src/wfm/genesys-cloud/shift-map.js';

/** A BU's codes as Genesys creates them, plus the non-default ones a real org has beside them. */
const CODES: ActivityCode[] = [
  ...CATEGORIES.map((category, i) => ({ id: `d${i}`, name: '', active: true, defaultCode: true, category })),
  { id: 'email', name: 'Email', active: true, defaultCode: false, category: 'OnQueueWork' },
  { id: 'coach', name: 'Coaching', active: true, defaultCode: false, category: 'Meeting' },
  { id: 'old', name: 'Retired', active: false, defaultCode: false, category: 'Training' },
];
const table = new ActivityCodeTable(CODES);
const MINUTE = 60_000;
const BASE = Date.parse('2026-11-22T00:00:00Z');

const ctx = {
  agentId: 'agent-1',
  teamId: 'team-1',
  version: 3,
  weekOf: () => '2026-11-22',
  updatedAt: '2026-11-22T00:00:00.000Z',
  updatedBy: 'someone',
};

/** A Genesys shift on a 15-minute grid: activities tiling it, any code (default or not, active or not). */
const genesysShift: fc.Arbitrary<GenesysShift> = fc
  .record({
    startSlot: fc.integer({ min: 0, max: 7 * 96 }),
    lengths: fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 8 }),
    codes: fc.array(fc.constantFrom(...CODES.map((c) => c.id)), { minLength: 8, maxLength: 8 }),
    descriptions: fc.array(fc.constantFrom('', 'Team huddle', 'Lunch'), { minLength: 8, maxLength: 8 }),
    paid: fc.array(fc.option(fc.boolean(), { nil: undefined }), { minLength: 8, maxLength: 8 }),
    manuallyEdited: fc.boolean(),
  })
  .map(({ startSlot, lengths, codes, descriptions, paid, manuallyEdited }) => {
    const start = BASE + startSlot * 15 * MINUTE;
    let at = start;
    const activities = lengths.map((l, i) => {
      const a = {
        startDate: new Date(at).toISOString(),
        lengthMinutes: l * 15,
        description: descriptions[i]!,
        activityCodeId: codes[i]!,
        ...(paid[i] !== undefined ? { paid: paid[i] } : {}),
      };
      at += l * 15 * MINUTE;
      return a;
    });
    return {
      id: `s-${startSlot}`,
      startDate: new Date(start).toISOString(),
      lengthMinutes: (at - start) / MINUTE,
      activities,
      manuallyEdited,
    };
  });

describe('Genesys shift mapping', () => {
  it('reads a shift and writes it back unchanged as the very shift it read (codes, descriptions, pay kept)', () => {
    fc.assert(
      fc.property(genesysShift, (g) => {
        const shift = toShift(g, ctx, table);
        const back = changedShift(shift, g, table);
        const { manuallyEdited: _m, ...rest } = back;
        const { manuallyEdited: _n, ...original } = unchangedShift(g);
        expect(rest).toEqual(original);
        expect(back.manuallyEdited).toBe(true);
      }),
    );
  });

  it('keeps the span and the activity types of the project shift through a write and a read', () => {
    fc.assert(
      fc.property(genesysShift, (g) => {
        const shift = toShift(g, ctx, table);
        const written = changedShift(shift, undefined, table);
        const reread = toShift(
          {
            ...written,
            id: 'new',
            startDate: written.startDate!,
            lengthMinutes: written.lengthMinutes!,
            activities: written.activities!.map((a) => ({ ...a })),
          },
          ctx,
          table,
        );
        expect({ ...reread, id: shift.id }).toEqual(shift);
      }),
    );
  });

  it('writes a changed activity with the default code of its category, and a named type with its named code', () => {
    const types: ActivityType[] = [
      'on-queue',
      'break',
      'meal',
      'training',
      'meeting',
      'coaching',
      'off-queue',
    ];
    const codes = types.map((t) => table.codeFor(t));
    expect(codes).toEqual(['d0', 'd1', 'd2', 'd6', 'd3', 'coach', 'd4']);
    // Never an inactive code, and every code of a category reads as its type.
    expect(table.typeOf('old')).toBe('training');
    expect(table.typeOf('email')).toBe('on-queue');
    expect(table.typeOf('coach')).toBe('coaching');
  });

  it('says which named type falls back to its category default code, since it then reads back as another type', () => {
    const noCoach = new ActivityCodeTable(CODES.filter((c) => c.id !== 'coach'));
    expect(noCoach.codeFor('coaching')).toBe('d3');
    expect(noCoach.fallbacks).toEqual([
      { type: 'coaching', wanted: { category: 'Meeting', name: 'Coaching' }, readsAs: 'meeting' },
    ]);
    expect(table.fallbacks).toEqual([]);
  });

  it('names the category a type has no code in, instead of writing some other code', () => {
    const noMeal = new ActivityCodeTable(CODES.filter((c) => c.category !== 'Meal'));
    expect(() => noMeal.codeFor('meal')).toThrow(/no active activity code for 'meal' \(category Meal/);
    expect(noMeal.missing()).toEqual(['meal']);
  });
});
