import { describe, expect, it } from 'vitest';
import { RepeatedErrors } from '../../src/kafka/kafkajs/log-repeats.js';

describe('kafkajs error lines that repeat', () => {
  it('are written at error once a minute, saying how many went to debug in between', () => {
    let now = 0;
    const r = new RepeatedErrors({ now: () => now });
    const written: Array<[number, number]> = [];
    // a refused produce every 50 ms for two and a half minutes
    for (; now < 150_000; now += 50) {
      const seen = r.error('Producer\nMESSAGE_TOO_LARGE');
      if (!seen.repeat) written.push([now, seen.heldBack]);
    }
    expect(written).toEqual([
      [0, 0],
      [60_000, 1_199],
      [120_000, 1_199],
    ]);
  });

  it('never hold back an error that differs from the last ones', () => {
    let now = 0;
    const r = new RepeatedErrors({ now: () => now, remembered: 2 });
    expect(r.error('a').repeat).toBe(false);
    expect(r.error('b').repeat).toBe(false);
    expect(r.error('a').repeat).toBe(true);
    now = 1;
    // 'c' pushes the oldest ('a') out: it is written again, as a first
    expect(r.error('c').repeat).toBe(false);
    expect(r.error('a').repeat).toBe(false);
  });
});
