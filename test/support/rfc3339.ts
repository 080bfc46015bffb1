import fc from 'fast-check';

/**
 * A reference reader of instants, written from the grammar and independent of src/time: RFC 3339
 * `date-time` (section 5.6) with seconds optional, upper-case T and Z, offsets within ±14:00, any
 * number of fraction digits cut to milliseconds, no leap second. Epoch ms, or undefined when refused.
 */
const GRAMMAR =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:Z|([+-])(\d{2}):(\d{2}))$/;

export function referenceInstant(s: string): number | undefined {
  const m = GRAMMAR.exec(s);
  if (!m) return undefined;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const millis = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3));
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  if (month < 1 || month > 12 || day < 1 || day > monthDays[month - 1]!) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (m[8] !== undefined) {
    const oh = Number(m[9]);
    const om = Number(m[10]);
    if (om > 59 || oh * 60 + om > 14 * 60) return undefined;
    offsetMinutes = (m[8] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day); // setUTCFullYear reads years 0–99 as written
  d.setUTCHours(hour, minute, second, millis);
  return d.getTime() - offsetMinutes * 60_000;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/**
 * Strings shaped like instants with every field allowed out of range, and the shapes the wire
 * format refuses: no offset, `+0800`, a space for `+`, lower-case `z`, a fraction without digits.
 */
export const instantLike: fc.Arbitrary<string> = fc
  .record({
    year: fc.oneof(fc.integer({ min: 1990, max: 2110 }), fc.integer({ min: 0, max: 9999 })),
    month: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 12 }), weight: 8 }, fc.constantFrom(0, 13, 99)),
    day: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 28 }), weight: 6 }, fc.integer({ min: 0, max: 32 })),
    hour: fc.oneof({ arbitrary: fc.integer({ min: 0, max: 23 }), weight: 8 }, fc.constantFrom(24, 25, 99)),
    minute: fc.oneof({ arbitrary: fc.integer({ min: 0, max: 59 }), weight: 8 }, fc.constantFrom(60, 99)),
    second: fc.option(
      fc.oneof({ arbitrary: fc.integer({ min: 0, max: 59 }), weight: 8 }, fc.constantFrom(60, 61, 99)),
    ),
    fraction: fc.option(fc.oneof(fc.stringMatching(/^\d{1,12}$/), fc.constantFrom('', '0'.repeat(40)))),
    offset: fc.oneof(
      { arbitrary: fc.constant('Z'), weight: 3 },
      {
        weight: 6,
        arbitrary: fc
          .tuple(
            fc.constantFrom('+', '-'),
            fc.oneof(fc.integer({ min: 0, max: 14 }), fc.constantFrom(15, 16, 18, 24, 99)),
            fc.oneof(
              fc.constantFrom(0, 15, 30, 45),
              fc.integer({ min: 0, max: 59 }),
              fc.constantFrom(60, 99),
            ),
          )
          .map(([sign, h, m]) => `${sign}${pad(h, 2)}:${pad(m, 2)}`),
      },
      fc.constantFrom('', 'z', '+0800', ' 08:00', '+8:00', '+08'),
    ),
  })
  .map((f) => {
    const seconds =
      f.second === null ? '' : `:${pad(f.second, 2)}${f.fraction === null ? '' : `.${f.fraction}`}`;
    return `${pad(f.year, 4)}-${pad(f.month, 2)}-${pad(f.day, 2)}T${pad(f.hour, 2)}:${pad(f.minute, 2)}${seconds}${f.offset}`;
  });

/** An instant-like string with up to three characters replaced, or its last character cut. */
export const mangledInstant: fc.Arbitrary<string> = fc
  .tuple(
    instantLike,
    fc.array(fc.tuple(fc.nat(40), fc.constantFrom(...'0123456789-+:.TZtz ')), { maxLength: 3 }),
    fc.nat(3),
  )
  .map(([s, edits, cut]) => {
    let out = s;
    for (const [at, ch] of edits) out = out.slice(0, at) + ch + out.slice(at + 1);
    return cut === 0 ? out.slice(0, -1) : out;
  });

/** Instants RFC 3339 refuses that a lenient reader would roll into another day or offset. */
export const REFUSED_INSTANTS = [
  '2026-11-28T24:00+02:00',
  '2026-11-28T24:00:00Z',
  '2026-11-28T10:00+24:00',
  '2026-11-28T10:00+00:60',
  '2026-11-28T10:00+16:00',
  '2026-11-28T10:00+99:99',
  '2026-11-28T10:00-14:01',
  '2026-11-28T10:00:60Z',
  '2026-11-28T25:00Z',
  '2026-11-28T99:99Z',
] as const;
