import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SlidingWindow } from '../../src/rules/sliding-window.js';

const SPAN = 60_000;

/** Naive reference: the points in (t - span, t]. */
function naive(points: Array<[number, number]>, now: number) {
  const vs = points.filter(([t]) => t > now - SPAN && t <= now).map(([, v]) => v);
  const sorted = [...vs].sort((a, b) => a - b);
  return {
    avg: vs.reduce((a, b) => a + b, 0) / vs.length,
    max: Math.max(...vs),
    min: Math.min(...vs),
    p95: sorted[Math.ceil(vs.length * 0.95) - 1]!,
    last: vs[vs.length - 1]!,
  };
}

const stream = fc
  .array(
    fc.tuple(
      fc.integer({ min: 0, max: 20_000 }),
      fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 5 })),
    ),
    {
      minLength: 1,
      maxLength: 400,
    },
  )
  .map((steps) => {
    let t = 0;
    return steps.map(([dt, v]) => {
      t += dt;
      return [t, v] as [number, number];
    });
  });

describe('sliding window', () => {
  it('keeps avg, max, min, p95 and last equal to a naive recomputation over (t - span, t]', () => {
    fc.assert(
      fc.property(stream, (points) => {
        const w = new SlidingWindow(SPAN, { max: true, min: true, p95: true }, 2);
        points.forEach(([t, v], i) => {
          w.push(t, v);
          const ref = naive(points.slice(0, i + 1), t);
          expect(w.avg()).toBeCloseTo(ref.avg, 9);
          expect(w.max()).toBe(ref.max);
          expect(w.min()).toBe(ref.min);
          expect(w.p95()).toBe(ref.p95);
          expect(w.last()).toBe(ref.last);
        });
      }),
      { numRuns: 150 },
    );
  });

  it('restores from its snapshot to a window that answers exactly the same from then on', () => {
    fc.assert(
      fc.property(stream, fc.nat(), (points, cutSeed) => {
        const cut = cutSeed % points.length;
        const a = new SlidingWindow(SPAN, { max: true, min: true, p95: true });
        for (const [t, v] of points.slice(0, cut)) a.push(t, v);
        const b = SlidingWindow.fromJSON(
          SPAN,
          { max: true, min: true, p95: true },
          JSON.parse(JSON.stringify(a.toJSON())),
        );
        for (const [t, v] of points.slice(cut)) {
          a.push(t, v);
          b.push(t, v);
          expect([b.avg(), b.max(), b.min(), b.p95(), b.last()]).toEqual([
            a.avg(),
            a.max(),
            a.min(),
            a.p95(),
            a.last(),
          ]);
        }
      }),
      { numRuns: 150 },
    );
  });
});
