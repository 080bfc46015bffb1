import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatLocal, formatLocalSpan, formatLocalTime } from '../../src/time/local-format.js';

const at = (iso: string) => Date.parse(iso);
const SGT = 'Asia/Singapore';

describe('times for people', () => {
  it('reads an instant in the business unit zone, with its offset and the UTC time beside it', () => {
    // Sunday 03:30 in Singapore is still Saturday by UTC date
    expect(formatLocal(at('2026-11-28T19:30:00Z'), SGT)).toBe('03:30 Sun 29 Nov +08:00 (19:30Z)');
    expect(formatLocal(at('2026-09-28T19:30:00Z'), 'Asia/Kolkata')).toBe('01:00 Tue 29 Sep +05:30 (19:30Z)');
  });

  it('shows seconds only when there are some', () => {
    expect(formatLocal(at('2026-11-27T01:32:04Z'), SGT)).toBe('09:32:04 Fri 27 Nov +08:00 (01:32:04Z)');
    expect(formatLocalTime(at('2026-11-27T01:32:00Z'), SGT)).toBe('09:32');
  });

  it('leaves the UTC time out where the offset is zero, as it would repeat the local one', () => {
    expect(formatLocal(at('2026-11-28T19:30:00Z'), 'UTC')).toBe('19:30 Sat 28 Nov +00:00');
    expect(formatLocalSpan(at('2026-11-28T19:00:00Z'), at('2026-11-28T19:30:00Z'), 'Europe/London')).toBe(
      '19:00–19:30 Sat 28 Nov +00:00',
    );
  });

  it('names the day and offset once for two instants that share them', () => {
    expect(formatLocalSpan(at('2026-11-27T02:00:00Z'), at('2026-11-27T03:00:00Z'), SGT)).toBe(
      '10:00–11:00 Fri 27 Nov +08:00 (02:00Z–03:00Z)',
    );
    expect(formatLocalSpan(at('2026-11-28T19:00:00Z'), at('2026-11-28T19:30:00Z'), SGT, ' → ')).toBe(
      '03:00 → 03:30 Sun 29 Nov +08:00 (19:00Z → 19:30Z)',
    );
  });

  it('writes each end whole when the local day or the offset differs (across midnight, across a DST change)', () => {
    expect(formatLocalSpan(at('2026-11-28T15:30:00Z'), at('2026-11-28T16:30:00Z'), SGT)).toBe(
      '23:30 Sat 28 Nov +08:00 (15:30Z) – 00:30 Sun 29 Nov +08:00 (16:30Z)',
    );
    // Sydney moves from +10:00 to +11:00 at 02:00 local on Sunday 4 October 2026
    expect(
      formatLocalSpan(at('2026-10-03T15:30:00Z'), at('2026-10-03T16:30:00Z'), 'Australia/Sydney', ' → '),
    ).toBe('01:30 Sun 4 Oct +10:00 (15:30Z) → 03:30 Sun 4 Oct +11:00 (16:30Z)');
  });

  it('always tells the same instant twice: the local time minus its offset is the UTC time beside it', () => {
    const zones = [SGT, 'Australia/Sydney', 'America/New_York', 'Asia/Kathmandu', 'Pacific/Chatham', 'UTC'];
    const text =
      /^(\d\d):(\d\d)(?::(\d\d))? \w{3} \d{1,2} \w{3} ([+-])(\d\d):(\d\d)(?: \((\d\d):(\d\d)(?::(\d\d))?Z\))?$/;
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) }).map((ms) => ms - (ms % 1000)),
        fc.constantFrom(...zones),
        (ms, zone) => {
          const m = text.exec(formatLocal(ms, zone));
          expect(m).not.toBeNull();
          const [, h, min, s = '00', sign, oh, om, uh, umin, us = '00'] = m!;
          const offset = (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
          const local = Number(h) * 3600 + Number(min) * 60 + Number(s);
          const utc = uh === undefined ? local : Number(uh) * 3600 + Number(umin) * 60 + Number(us);
          expect(uh === undefined).toBe(offset === 0);
          expect((((local - offset * 60 - utc) % 86_400) + 86_400) % 86_400).toBe(0);
          expect(utc).toBe(Math.floor((ms % 86_400_000) / 1000));
        },
      ),
    );
  });
});
