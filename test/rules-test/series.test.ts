import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expandSeries } from '../../src/rules-test/series.js';
import { expandIds } from '../../src/rules-test/trunk-inputs.js';

function values(text: string | number): Array<number | '_'> {
  const r = expandSeries(text);
  if (!r.ok) throw new Error(r.message);
  return [...r.values].map((v) => (Number.isNaN(v) ? '_' : v));
}

describe("promtool's expanding notation", () => {
  it("reads promtool's own examples as promtool does", () => {
    expect(values('-2+4x3')).toEqual([-2, 2, 6, 10]);
    expect(values(' 1-2x4')).toEqual([1, -1, -3, -5, -7]);
    expect(values(' 1x4')).toEqual([1, 1, 1, 1, 1]);
    expect(values('1 _x3')).toEqual([1, '_', '_', '_']);
  });

  it('makes 44 samples of the issue example, stepping without float drift', () => {
    const v = values('0.5+0.05x8 0.9x20 _x3 0.3x10');
    expect(v).toHaveLength(9 + 21 + 3 + 11);
    expect(v.slice(0, 9)).toEqual([0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9]);
    expect(v.slice(30, 33)).toEqual(['_', '_', '_']);
  });

  it('takes a bare number as one sample', () => {
    expect(values(30)).toEqual([30]);
    expect(values('_')).toEqual(['_']);
  });

  it('refuses a token outside the notation, naming it', () => {
    const r = expandSeries('0.5x3 0.9*2');
    expect(r).toMatchObject({ ok: false, message: "'0.9*2' is not a sample in the expanding notation" });
    expect(expandSeries('1x2000000')).toMatchObject({ ok: false });
  });

  it('gives n + 1 samples for a+bxn and axn, and n for _xn', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            kind: fc.constantFrom('repeat', 'ramp', 'gap', 'one'),
            a: fc.integer({ min: 0, max: 100 }),
            b: fc.integer({ min: 0, max: 9 }),
            n: fc.integer({ min: 0, max: 50 }),
          }),
          { minLength: 1, maxLength: 8 },
        ),
        (parts) => {
          const text = parts
            .map((p) =>
              p.kind === 'repeat'
                ? `${p.a}x${p.n}`
                : p.kind === 'ramp'
                  ? `${p.a}+${p.b}x${p.n}`
                  : p.kind === 'gap'
                    ? `_x${p.n}`
                    : `${p.a}`,
            )
            .join(' ');
          const want = parts.reduce(
            (k, p) => k + (p.kind === 'gap' ? p.n : p.kind === 'one' ? 1 : p.n + 1),
            0,
          );
          const r = expandSeries(text);
          return r.ok && r.values.length === want;
        },
      ),
    );
  });
});

describe('trunk ranges', () => {
  it('expand sg-byoc-{01..15} to fifteen ids padded as written', () => {
    const ids = expandIds('sg-byoc-{01..15}') as string[];
    expect(ids).toHaveLength(15);
    expect([ids[0], ids[14]]).toEqual(['sg-byoc-01', 'sg-byoc-15']);
    expect(expandIds('t{8..10}x')).toEqual(['t8x', 't9x', 't10x']);
    expect(expandIds('sg-byoc-07')).toEqual(['sg-byoc-07']);
    expect(expandIds('t{5..1}')).toBe('the range {5..1} runs backwards');
  });
});
