import { describe, expect, it } from 'vitest';
import { runCase } from './run-case.js';

describe('Sydney across the start of DST', () => {
  it('measures shift length in real time: a 20:00 → 04:00 night shift lasts 7 hours that night', async () => {
    const r = await runCase(new URL('./sydney-dst/', import.meta.url).pathname);
    const extended = r.adjustments.map((a) => a.kind === 'update' && [a.shiftId, a.mutation]);
    // n-1: 20:00 AEST → 04:00 AEDT is 7h; +30m = 7h30m, under 8h. n-2: 7h30m → exactly 8h, allowed.
    expect(extended).toEqual([
      ['n-2', { kind: 'set-end', end: '2026-10-03T17:00:00Z' }],
      ['n-1', { kind: 'set-end', end: '2026-10-03T17:30:00Z' }],
    ]);
    expect(r.skipped.map((s) => [s.shiftIds[0], s.guardrail, s.detail])).toEqual([
      ['n-3', 'maxShiftLength', 'shift n-3 would last 8h30m, over the 8h maximum'],
      ['n-4', 'minRest', 'agent s-4 would rest 8h before shift d-4, under the 10h minimum'],
    ]);
  });
});
