import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  ISO_WITH_OFFSET,
  isRealInstant,
  parseInstant,
  parseInstantFast,
  toWire,
} from '../../src/time/instant.js';

const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** Strings shaped like ISO instants, with every field allowed to run out of range. */
const isoLike = fc
  .record({
    year: fc.integer({ min: 0, max: 9999 }),
    month: fc.integer({ min: 0, max: 13 }),
    day: fc.integer({ min: 0, max: 32 }),
    hour: fc.integer({ min: 0, max: 25 }),
    minute: fc.integer({ min: 0, max: 60 }),
    second: fc.option(fc.integer({ min: 0, max: 61 })),
    fraction: fc.option(fc.stringMatching(/^\d{1,9}$/)),
    offset: fc.oneof(
      fc.constant('Z'),
      fc.tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 75 })),
    ),
  })
  .map((f) => {
    const secs =
      f.second === null ? '' : `:${pad(f.second, 2)}${f.fraction === null ? '' : `.${f.fraction}`}`;
    const off =
      typeof f.offset === 'string' ? f.offset : `${f.offset[0]}${pad(f.offset[1], 2)}:${pad(f.offset[2], 2)}`;
    return `${pad(f.year, 4)}-${pad(f.month, 2)}-${pad(f.day, 2)}T${pad(f.hour, 2)}:${pad(f.minute, 2)}${secs}${off}`;
  });

function luxonMillis(s: string): number | undefined {
  const dt = DateTime.fromISO(s, { setZone: true });
  return dt.isValid ? dt.toMillis() : undefined;
}

describe('parsing instants without luxon', () => {
  it('agrees with luxon on every string it accepts, and leaves the rest to luxon', () => {
    fc.assert(
      fc.property(isoLike, (s) => {
        const fast = parseInstantFast(s);
        if (fast !== undefined) expect(fast).toBe(luxonMillis(s));
        expect(isRealInstant(s)).toBe(luxonMillis(s) !== undefined);
        if (luxonMillis(s) !== undefined) expect(parseInstant(s)).toBe(luxonMillis(s));
      }),
      { numRuns: 20_000 },
    );
  });

  it('accepts nothing the wire format refuses, whatever the characters', () => {
    const mangled = fc
      .tuple(
        isoLike,
        fc.array(fc.tuple(fc.nat(40), fc.constantFrom(...'0123456789-+:.TZtz ')), { maxLength: 3 }),
        fc.nat(3),
      )
      .map(([s, edits, cut]) => {
        let out = s;
        for (const [at, ch] of edits) out = out.slice(0, at) + ch + out.slice(at + 1);
        return cut === 0 ? out.slice(0, -1) : out;
      });
    fc.assert(
      fc.property(mangled, (s) => {
        const fast = parseInstantFast(s);
        if (fast === undefined) return;
        expect(ISO_WITH_OFFSET.test(s)).toBe(true);
        expect(fast).toBe(luxonMillis(s));
      }),
      { numRuns: 20_000 },
    );
  });

  it('takes the fast path for every instant in 1970–2100 written in any zone of the test set', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: Date.UTC(2100, 0, 1) }),
        fc.constantFrom('UTC', 'Asia/Singapore', 'Asia/Kathmandu', 'Pacific/Chatham', 'America/New_York'),
        (ms, zone) => {
          const s = DateTime.fromMillis(ms, { zone }).toISO()!;
          expect(parseInstantFast(s)).toBe(ms);
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it('truncates fractions to milliseconds as luxon does', () => {
    expect(parseInstantFast('2026-11-25T10:00:00.9999+08:00')).toBe(
      luxonMillis('2026-11-25T10:00:00.9999+08:00'),
    );
    expect(parseInstantFast('2026-11-25T10:00:00.1Z')).toBe(Date.UTC(2026, 10, 25, 10, 0, 0, 100));
  });

  it('refuses 29 February outside leap years and accepts it in them', () => {
    expect(isRealInstant('2026-02-29T00:00:00Z')).toBe(false);
    expect(parseInstantFast('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29));
    expect(isRealInstant('2100-02-29T00:00:00Z')).toBe(false);
    expect(parseInstantFast('2000-02-29T00:00:00Z')).toBe(Date.UTC(2000, 1, 29));
  });
});

describe('writing instants', () => {
  it('writes UTC with Z, milliseconds only when not zero, as luxon would', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62167219200000, max: 253402300799999 }), (ms) => {
        expect(toWire(ms)).toBe(
          DateTime.fromMillis(ms, { zone: 'utc' }).toISO({ suppressMilliseconds: true }),
        );
      }),
      { numRuns: 5_000 },
    );
    expect(toWire(Date.UTC(2026, 10, 28, 18))).toBe('2026-11-28T18:00:00Z');
  });
});
