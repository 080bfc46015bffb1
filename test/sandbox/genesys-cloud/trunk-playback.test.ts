import { describe, expect, it } from 'vitest';
import { Playback, PlaybackTransitionError } from '../../../src/sandbox/genesys-cloud/trunk-playback.js';
import { splitCalls } from '../../../src/sandbox/genesys-cloud/trunk-split.js';
import { seededRandom } from '../../../src/sandbox/rng.js';

// entries at event times 0, 1 s, 2 s, 10 s
const TIMES = [0, 1_000, 2_000, 10_000];
const playback = () => new Playback(TIMES.length, (i) => TIMES[i]!);

describe('trunk scenario playback', () => {
  it('maps event time onto wall time at the chosen speed', () => {
    const p = playback();
    p.play(2, 100_000);
    expect(p.due(100_000)).toEqual({ from: 0, to: 1 });
    expect(p.due(100_499)).toEqual({ from: 1, to: 1 });
    expect(p.due(100_500)).toEqual({ from: 1, to: 2 });
    expect(p.due(104_999)).toEqual({ from: 2, to: 3 });
    expect(p.state).toBe('playing');
    expect(p.due(105_000)).toEqual({ from: 3, to: 4 });
    expect(p.state).toBe('finished');
  });

  it('keeps the playhead where a pause left it, in a gap too', () => {
    const p = playback();
    p.play(1, 0);
    p.due(2_500);
    p.pause(2_500);
    expect(p.due(60_000)).toEqual({ from: 3, to: 3 });
    p.play(1, 60_000);
    expect(p.due(67_499)).toEqual({ from: 3, to: 3 });
    expect(p.due(67_500)).toEqual({ from: 3, to: 4 });
  });

  it('changes speed while playing from where the playhead is', () => {
    const p = playback();
    p.play(1, 0);
    p.due(2_000);
    p.play(8, 2_000);
    expect(p.due(2_999)).toEqual({ from: 3, to: 3 });
    expect(p.due(3_000)).toEqual({ from: 3, to: 4 });
  });

  it('steps from ready or paused, never while playing, and plays on from the last step', () => {
    const p = playback();
    expect(p.step(2)).toEqual({ from: 0, to: 2 });
    expect(p.state).toBe('paused');
    expect(p.position(0)).toBe(1_000);
    p.play(1, 50_000);
    expect(() => p.step(1)).toThrow(PlaybackTransitionError);
    expect(p.due(50_999)).toEqual({ from: 2, to: 2 });
    expect(p.due(51_000)).toEqual({ from: 2, to: 3 });
  });

  it('refuses to play once finished, until reset', () => {
    const p = playback();
    p.step(10);
    expect(p.state).toBe('finished');
    expect(() => p.play(1, 0)).toThrow(/finished; it cannot go playing: reset it/);
    p.reset();
    p.play(1, 0);
    expect(p.due(0)).toEqual({ from: 0, to: 1 });
  });
});

describe('splitting calls over trunk instances', () => {
  it('gives the instances calls that sum to the total, in both directions', () => {
    const random = seededRandom(7);
    for (const total of [0, 1, 2, 29, 30, 1_000]) {
      for (const n of [1, 2, 3, 5]) {
        const split = splitCalls(total, n, random);
        expect(split).toHaveLength(n);
        expect(split.reduce((a, s) => a + s.inbound + s.outbound, 0)).toBe(total);
        expect(split.every((s) => s.inbound >= 0 && s.outbound >= 0)).toBe(true);
      }
    }
  });
});
