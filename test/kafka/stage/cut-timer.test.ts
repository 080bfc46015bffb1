import { describe, expect, it } from 'vitest';
import { Alarm, cutDue } from '../../../src/kafka/stage/cut-timer.js';
import { ManualClock } from '../../writer/support/manual-clock.js';

describe('when a slice is cut by time', () => {
  it('at the commit interval while the partition has more to read', () => {
    expect(cutDue(1_000, false, 1_500, 1_000, 100)).toBe(2_000);
  });

  it('after the idle time once it is caught up, but never past the interval', () => {
    expect(cutDue(1_000, true, 1_500, 1_000, 100)).toBe(1_600);
    expect(cutDue(1_000, true, 1_950, 1_000, 100)).toBe(2_000);
  });

  it('at once when a batch brought the partition from behind to its end and the slice is the idle time old', () => {
    expect(cutDue(1_000, true, 1_500, 1_000, 100, true)).toBe(1_500);
    // younger than the idle time (a stream hovering at its end): the idle cut, as before
    expect(cutDue(1_000, true, 1_050, 1_000, 100, true)).toBe(1_150);
  });
});

describe('an alarm on the clock', () => {
  it('fires once at its time; armed again for another time, it moves; cleared, it does not fire', async () => {
    const clock = new ManualClock(0);
    const alarm = new Alarm(clock);
    const fired: number[] = [];
    const fire = () => fired.push(clock.now());
    alarm.arm(100, fire);
    alarm.arm(100, fire);
    await clock.advance(100, 10);
    expect(fired).toEqual([100]);

    alarm.arm(300, fire);
    alarm.arm(200, fire);
    await clock.advance(200, 10);
    expect(fired).toEqual([100, 200]);

    alarm.arm(500, fire);
    alarm.clear();
    await clock.advance(300, 10);
    expect(fired).toEqual([100, 200]);
  });
});
