/**
 * promtool's expanding notation for input series, sample by sample:
 *
 * - `a`: one sample of value a; `_`: one missing sample (the trunk sent nothing);
 * - `axn`: a, n more times (n + 1 samples); `_xn`: n missing samples (a gap cannot repeat a value);
 * - `a+bxn` / `a-bxn`: a, then n more samples stepping by b (n + 1 samples).
 *
 * So '0.5+0.05x8 0.9x20 _x3 0.3x10' is 9 + 21 + 3 + 11 = 44 samples. A missing sample is NaN.
 */

const NUM = String.raw`(\d+(?:\.\d*)?|\.\d+)`;
const VALUE = new RegExp(`^(-?)${NUM}$`);
const REPEAT = new RegExp(`^(-?)${NUM}x(\\d+)$`);
const RAMP = new RegExp(`^(-?)${NUM}([+-])${NUM}x(\\d+)$`);
const GAPS = /^_x(\d+)$/;

/** One series holds at most this many samples: 115 days at 10 s, far beyond any test. */
export const MAX_SAMPLES = 1_000_000;

export type Expansion = { ok: true; values: Float64Array } | { ok: false; message: string; fix: string };

const NOTATION_FIX =
  'write a value (0.9), a repeat (0.9x20 is 21 samples), a ramp (0.5+0.05x8 is 9 samples), _ or _x3 for missing samples';

export function expandSeries(input: string | number): Expansion {
  if (typeof input === 'number') return { ok: true, values: Float64Array.of(input) };
  const tokens = input.trim().split(/\s+/);
  const parts: Part[] = [];
  let total = 0;
  for (const token of tokens) {
    const part = readToken(token);
    if (part === null) {
      return {
        ok: false,
        message: `'${token}' is not a sample in the expanding notation`,
        fix: NOTATION_FIX,
      };
    }
    total += part.count;
    if (total > MAX_SAMPLES) {
      return {
        ok: false,
        message: `the series holds more than ${MAX_SAMPLES.toLocaleString('en-US')} samples (at '${token}')`,
        fix: 'check the repeat counts: axn is n + 1 samples',
      };
    }
    parts.push(part);
  }
  const values = new Float64Array(total);
  let i = 0;
  for (const p of parts) {
    for (let k = 0; k < p.count; k++) {
      // a + k·b, not a running sum, rounded so 0.5+0.05x8 ends at 0.9 and not 0.9000000000000001
      values[i++] = Number.isNaN(p.start) ? Number.NaN : Math.round((p.start + k * p.step) * 1e9) / 1e9;
    }
  }
  return { ok: true, values };
}

interface Part {
  /** NaN: missing samples */
  start: number;
  step: number;
  count: number;
}

function readToken(token: string): Part | null {
  if (token === '_') return { start: Number.NaN, step: 0, count: 1 };
  const gaps = GAPS.exec(token);
  if (gaps) return { start: Number.NaN, step: 0, count: Number(gaps[1]) };
  const value = VALUE.exec(token);
  if (value) return { start: signed(value[1]!, value[2]!), step: 0, count: 1 };
  const repeat = REPEAT.exec(token);
  if (repeat) return { start: signed(repeat[1]!, repeat[2]!), step: 0, count: Number(repeat[3]) + 1 };
  const ramp = RAMP.exec(token);
  if (ramp) {
    const step = Number(ramp[4]) * (ramp[3] === '-' ? -1 : 1);
    return { start: signed(ramp[1]!, ramp[2]!), step, count: Number(ramp[5]) + 1 };
  }
  return null;
}

function signed(sign: string, digits: string): number {
  return (sign === '-' ? -1 : 1) * Number(digits);
}
