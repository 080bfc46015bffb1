import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  INSTANT_PATTERN,
  InstantFormatError,
  isInstant,
  parseInstant,
  parseInstantFast,
  toWire,
} from '../../src/time/instant.js';
import { Instant } from '../../src/wfm/contract.js';
import { instantLike, mangledInstant, REFUSED_INSTANTS, referenceInstant } from '../support/rfc3339.js';
import { ZONES } from '../support/zones.js';

function parsed(s: string): number | InstantFormatError {
  try {
    return parseInstant(s);
  } catch (err) {
    expect(err).toBeInstanceOf(InstantFormatError);
    return err as InstantFormatError;
  }
}

/** Every reader of instants against the reference: the same number, or a refusal. */
function expectReadAsReference(s: string): void {
  const want = referenceInstant(s);
  const got = parsed(s);
  if (want === undefined) {
    expect(got, s).toBeInstanceOf(InstantFormatError);
    expect((got as InstantFormatError).code).toBe('TR_ERR_INSTANT_FORMAT');
  } else {
    expect(got, s).toBe(want);
  }
  expect(parseInstantFast(s), s).toBe(want);
  expect(isInstant(s), s).toBe(want !== undefined);
  expect(Instant.safeParse(s).success, s).toBe(want !== undefined);
  // the JSON Schemas' pattern accepts every instant, and refuses the rest but impossible days
  if (want !== undefined) expect(INSTANT_PATTERN.test(s), s).toBe(true);
}

describe('reading instants (RFC 3339 with an explicit offset)', () => {
  it('reads every instant-shaped string as the reference reader does, in range or not', () => {
    fc.assert(fc.property(instantLike, expectReadAsReference), { numRuns: 10_000 });
  });

  it('reads strings with characters replaced or cut as the reference reader does', () => {
    fc.assert(fc.property(mangledInstant, expectReadAsReference), { numRuns: 10_000 });
  });

  it('reads every instant of 1970–2100 written in any zone of the test set, with any fraction, to the millisecond', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: Date.UTC(2100, 0, 1) }),
        fc.constantFrom('UTC', ...ZONES),
        fc.stringMatching(/^\d{0,15}$/),
        (ms, zone, extra) => {
          const written = DateTime.fromMillis(ms, { zone }).toISO()!; // …ss.SSS±HH:MM or …Z
          const s = written.replace(/(\.\d{3})/, `$1${extra}`);
          expect(parseInstant(s)).toBe(ms);
          expectReadAsReference(s);
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it('refuses hour 24, offsets past ±14:00 or with minutes past 59, and a leap second, naming the value and the fix', () => {
    for (const s of REFUSED_INSTANTS) {
      expect(() => parseInstant(s), s).toThrow(InstantFormatError);
      expect(parseInstantFast(s), s).toBeUndefined();
      expect(Instant.safeParse(s).success, s).toBe(false);
      expect(referenceInstant(s), s).toBeUndefined();
    }
    expect(() => parseInstant('2026-11-28T24:00+02:00')).toThrow(
      '"2026-11-28T24:00+02:00" is not an instant: hour 24 is not 00–23: the midnight that ends a day is 00:00 of the next, 2026-11-29T00:00+02:00',
    );
    expect(() => parseInstant('2026-12-31T24:00:00Z')).toThrow(/00:00 of the next, 2027-01-01T00:00:00Z/);
    expect(() => parseInstant('2026-11-28T10:00+24:00')).toThrow(/offset \+24:00 is beyond ±14:00/);
    expect(() => parseInstant('2026-11-28T10:00+16:00')).toThrow(/offset \+16:00 is beyond ±14:00/);
    expect(() => parseInstant('2026-11-28T10:00+99:99')).toThrow(/offset \+99:99 is beyond ±14:00/);
    expect(() => parseInstant('2026-11-28T10:00+00:60')).toThrow(/offset \+00:60 has minutes past 59/);
    expect(() => parseInstant('2026-11-28T10:00:60Z')).toThrow(/second 60 \(a leap second\) is not accepted/);
    expect(() => parseInstant('2026-11-28T10:00')).toThrow(
      /has no offset.*append Z for UTC or the local offset, like 2026-11-28T10:00Z or 2026-11-28T10:00\+08:00/,
    );
    expect(() => parseInstant('2026-11-28T10:00 08:00')).toThrow(/send it as %2B/);
    expect(() => parseInstant('2026-02-29T10:00Z')).toThrow(/2026-02 has no day 29: its last day is 28/);
  });

  it('accepts the widest real offsets, ±14:00, and -00:00 as UTC', () => {
    expect(parseInstant('2026-11-28T10:00+14:00')).toBe(Date.UTC(2026, 10, 27, 20));
    expect(parseInstant('2026-11-28T10:00-14:00')).toBe(Date.UTC(2026, 10, 29, 0));
    expect(parseInstant('2026-11-28T10:00-00:00')).toBe(Date.UTC(2026, 10, 28, 10));
  });

  it('accepts fractions of any length, cut (not rounded) to milliseconds', () => {
    expect(parseInstant('2026-11-25T10:00:00.9999999999+08:00')).toBe(Date.UTC(2026, 10, 25, 2, 0, 0, 999));
    expect(parseInstant(`2026-11-25T10:00:00.${'1'.repeat(10)}Z`)).toBe(
      Date.UTC(2026, 10, 25, 10, 0, 0, 111),
    );
    expect(parseInstant(`2026-11-25T10:00:00.${'0'.repeat(1_000)}5Z`)).toBe(Date.UTC(2026, 10, 25, 10));
    expect(parseInstant('2026-11-25T10:00:00.1Z')).toBe(Date.UTC(2026, 10, 25, 10, 0, 0, 100));
  });

  it('refuses 29 February outside leap years and accepts it in them', () => {
    expect(isInstant('2026-02-29T00:00:00Z')).toBe(false);
    expect(parseInstant('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29));
    expect(isInstant('2100-02-29T00:00:00Z')).toBe(false);
    expect(parseInstant('2000-02-29T00:00:00Z')).toBe(Date.UTC(2000, 1, 29));
  });

  it('reads years 0000–0099 as written, not as 1900–1999', () => {
    expect(toWire(parseInstant('0042-03-01T00:00:00Z'))).toBe('0042-03-01T00:00:00Z');
    expect(parseInstant('0000-01-01T00:00:00Z')).toBe(-62167219200000);
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

  it('writes instants that read back as themselves', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62167219200000, max: 253402300799999 }), (ms) => {
        expect(parseInstant(toWire(ms))).toBe(ms);
      }),
      { numRuns: 5_000 },
    );
  });
});
