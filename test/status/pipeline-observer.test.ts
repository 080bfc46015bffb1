import { describe, expect, it } from 'vitest';
import { guardObserver } from '../../src/app/observer.js';
import type { TrunkSample } from '../../src/events/trunk-event.js';

const s = { trunkId: 't1', time: 0 } as TrunkSample;

describe('pipeline observer guard', () => {
  it('keeps a throwing listener out of the stage: the error is logged once, later calls still reach it', () => {
    const warnings: string[] = [];
    let calls = 0;
    const guarded = guardObserver(
      {
        sample() {
          calls++;
          throw new Error('listener bug');
        },
      },
      (_obj, msg) => warnings.push(msg),
    );
    expect(() => guarded.sample?.(s)).not.toThrow();
    expect(() => guarded.sample?.(s)).not.toThrow();
    expect(calls).toBe(2);
    expect(warnings).toEqual(["pipeline observer 'sample' threw; its later errors are not logged"]);
    expect(guarded.outcome).toBeUndefined();
  });
});
