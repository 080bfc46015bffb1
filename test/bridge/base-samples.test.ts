import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BaseSample, BaseSampleAssembler } from '../../src/bridge/genesys-cloud/base-samples.js';

const T0 = Date.parse('2026-11-27T01:00:00Z');

function assembler(instances: Record<string, string[]>, waitMs = 2_000) {
  const a = new BaseSampleAssembler(waitMs);
  const out: BaseSample[] = [];
  for (const [base, ids] of Object.entries(instances)) a.setInstances(base, ids, out);
  return { a, out };
}

describe('trunk base samples from instance samples', () => {
  it('sends a base sample as soon as every instance reported its eventTime, calls summed', () => {
    const { a, out } = assembler({ b1: ['i1', 'i2'] });
    expect(a.add('b1', { instanceId: 'i1', time: T0, calls: 4 }, 0, out)).toBe('pending');
    expect(out).toEqual([]);
    expect(a.add('b1', { instanceId: 'i2', time: T0, calls: 3 }, 0, out)).toBe('sent');
    expect(out).toEqual([{ baseId: 'b1', time: T0, activeCalls: 7, reported: 2, instances: 2 }]);
  });

  it('after the wait, sends with what it has, carrying a silent instance at its previous calls', () => {
    const { a, out } = assembler({ b1: ['i1', 'i2'] });
    a.add('b1', { instanceId: 'i1', time: T0, calls: 4 }, 0, out);
    a.add('b1', { instanceId: 'i2', time: T0, calls: 3 }, 0, out);
    a.add('b1', { instanceId: 'i1', time: T0 + 1_000, calls: 10 }, 100, out);
    expect(a.nextDueAt()).toBe(2_100);
    a.due(2_099, out);
    expect(out).toHaveLength(1);
    a.due(2_100, out);
    expect(out[1]).toEqual({ baseId: 'b1', time: T0 + 1_000, activeCalls: 13, reported: 1, instances: 2 });
    expect(a.add('b1', { instanceId: 'i2', time: T0 + 1_000, calls: 5 }, 2_200, out)).toBe('duplicate');
    expect(a.add('b1', { instanceId: 'i2', time: T0 + 500, calls: 5 }, 2_200, out)).toBe('stale');
  });

  it('sends the older samples of a base, with what they have, before a newer one that completes', () => {
    const { a, out } = assembler({ b1: ['i1', 'i2'] });
    a.add('b1', { instanceId: 'i1', time: T0, calls: 1 }, 0, out);
    a.add('b1', { instanceId: 'i1', time: T0 + 1_000, calls: 2 }, 0, out);
    a.add('b1', { instanceId: 'i2', time: T0 + 1_000, calls: 3 }, 0, out);
    expect(out.map((s) => [s.time - T0, s.activeCalls, s.reported])).toEqual([
      [0, 1, 1],
      [1_000, 5, 2],
    ]);
  });

  it('completes a waiting sample when the base loses the instance it waited for, and refuses an unknown instance', () => {
    const { a, out } = assembler({ b1: ['i1', 'i2'] });
    a.add('b1', { instanceId: 'i1', time: T0, calls: 6 }, 0, out);
    a.setInstances('b1', ['i1'], out);
    expect(out).toEqual([{ baseId: 'b1', time: T0, activeCalls: 6, reported: 1, instances: 1 }]);
    expect(a.add('b1', { instanceId: 'i2', time: T0 + 1_000, calls: 1 }, 0, out)).toBe('unknown-instance');
    expect(a.add('b9', { instanceId: 'i1', time: T0 + 1_000, calls: 1 }, 0, out)).toBe('unknown-instance');
  });

  it('never sends a base two samples for one eventTime nor one older than it sent, whatever order and repeats come in', () => {
    const sample = fc.record({
      base: fc.constantFrom('b1', 'b2'),
      instance: fc.constantFrom(0, 1, 2),
      second: fc.integer({ min: 0, max: 8 }),
      calls: fc.integer({ min: 0, max: 20 }),
      advanceMs: fc.integer({ min: 0, max: 1_500 }),
    });
    fc.assert(
      fc.property(fc.array(sample, { maxLength: 120 }), (samples) => {
        const { a, out } = assembler({ b1: ['b1-0', 'b1-1', 'b1-2'], b2: ['b2-0', 'b2-1', 'b2-2'] }, 1_000);
        let now = 0;
        for (const s of samples) {
          now += s.advanceMs;
          a.due(now, out);
          a.add(
            s.base,
            { instanceId: `${s.base}-${s.instance}`, time: T0 + s.second * 1_000, calls: s.calls },
            now,
            out,
          );
        }
        a.due(Number.POSITIVE_INFINITY, out);
        for (const base of ['b1', 'b2']) {
          const times = out.filter((o) => o.baseId === base).map((o) => o.time);
          for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1]!);
        }
        expect(a.pendingSamples).toBe(0);
      }),
    );
  });

  it('sums exactly what the instances reported when each reports every eventTime once, in any order', () => {
    const ORDERS = [
      [0, 1, 2],
      [0, 2, 1],
      [1, 0, 2],
      [1, 2, 0],
      [2, 0, 1],
      [2, 1, 0],
    ];
    const round = fc.record({
      calls: fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 3, maxLength: 3 }),
      order: fc.constantFrom(...ORDERS),
    });
    fc.assert(
      fc.property(fc.array(round, { minLength: 1, maxLength: 10 }), (rounds) => {
        const { a, out } = assembler({ b1: ['i0', 'i1', 'i2'] });
        rounds.forEach((r, k) => {
          for (const i of r.order)
            a.add('b1', { instanceId: `i${i}`, time: T0 + k * 1_000, calls: r.calls[i]! }, 0, out);
        });
        expect(out.map((o) => o.activeCalls)).toEqual(
          rounds.map((r) => r.calls[0]! + r.calls[1]! + r.calls[2]!),
        );
        expect(out.every((o) => o.reported === 3)).toBe(true);
      }),
    );
  });
});
