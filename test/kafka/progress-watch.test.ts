import { describe, expect, it } from 'vitest';
import { ProgressWatch, progressReadiness } from '../../src/kafka/progress-watch.js';

function watch() {
  let now = Date.parse('2026-11-27T01:00:00Z');
  const w = new ProgressWatch({ stage: 'rules', topic: 'trunk-events', now: () => now });
  return { w, advance: (ms: number) => (now += ms), now: () => now };
}

const refused = new Error('MESSAGE_TOO_LARGE');

describe('progress watch', () => {
  it('calls a partition stalled after three failures at one offset over ten seconds, and names it', () => {
    const { w, advance } = watch();
    expect(w.failed(2, 41n, refused).first).toBe(true);
    expect(w.failed(2, 41n, refused).first).toBe(false);
    expect(w.failed(2, 41n, refused).report).toBeUndefined();
    // three failures, but within a moment: a broker moving its coordinator, not a stall
    expect(w.stalled()).toEqual([]);
    expect(progressReadiness(w.stalled())).toEqual({ ready: true });
    advance(10_000);
    const [stall] = w.stalled();
    expect(stall).toMatchObject({
      stage: 'rules',
      topic: 'trunk-events',
      partition: 2,
      offset: '41',
      failures: 3,
    });
    const readiness = progressReadiness(w.stalled());
    expect(readiness.ready).toBe(false);
    expect(readiness.detail?.[0]?.message).toMatch(
      /^rules stage: trunk-events\[2\] cannot get past offset 41: 3 failed/,
    );
    expect(readiness.detail?.[0]?.message).toContain('MESSAGE_TOO_LARGE');
  });

  it('reports a stalled partition at most once a minute, however often it fails', () => {
    const { w, advance } = watch();
    const reports: number[] = [];
    // a failure every 100 ms for three and a half minutes
    for (let t = 0; t < 210_000; t += 100) {
      if (w.failed(0, 7n, refused).report) reports.push(t);
      advance(100);
    }
    expect(reports).toEqual([10_000, 70_000, 130_000, 190_000]);
  });

  it('counts again from a new offset, and forgets a partition that commits past it or is revoked', () => {
    const { w, advance } = watch();
    for (let i = 0; i < 5; i++) w.failed(0, 7n, refused);
    for (let i = 0; i < 5; i++) w.failed(1, 3n, refused);
    advance(20_000);
    expect(w.stalled().map((s) => s.partition)).toEqual([0, 1]);
    w.committed(0, 7n); // a commit at the offset it fails at is no progress
    expect(w.stalled().map((s) => s.partition)).toEqual([0, 1]);
    w.committed(0, 8n);
    expect(w.stalled().map((s) => s.partition)).toEqual([1]);
    expect(w.failed(1, 9n, refused).first).toBe(true);
    expect(w.stalled()).toEqual([]);
    for (let i = 0; i < 5; i++) w.failed(1, 9n, refused);
    advance(20_000);
    w.keep(new Set([0]));
    expect(w.stalled()).toEqual([]);
  });

  it('waits longer before each repeated attempt at one offset, up to five seconds', () => {
    const { w } = watch();
    const waits = Array.from({ length: 9 }, () => w.failed(0, 7n, refused).backoffMs);
    expect(waits).toEqual([0, 200, 400, 800, 1_600, 3_200, 5_000, 5_000, 5_000]);
    expect(w.failed(0, 8n, refused).backoffMs).toBe(0);
  });
});
