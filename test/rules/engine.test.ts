import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TrunkSample } from '../../src/events/trunk-event.js';
import type { CompiledRuleSet } from '../../src/rules/compile.js';
import { RuleEngine, type RuleTransition } from '../../src/rules/engine.js';
import type { Intent } from '../../src/rules/intent.js';
import { MIN, rules, SEC, sample, stream, T0 } from './helpers.js';

const surge = (extra = '') =>
  rules(`engine: { allowedLateness: 0s }
rules:
  - id: surge
    scope: { by: trunkGroup, where: { trunkGroup: g1 } }
    when: { metric: utilization, aggregate: avg, window: 2m, above: 0.8, clear: 0.6 }
    for: 3m
${extra}
    action: { extend: { team: t, by: 30m, endingWithin: 1h, maxAgents: 2 } }
`);

function run(
  r: CompiledRuleSet,
  samples: readonly TrunkSample[],
  onTransition?: (t: RuleTransition) => void,
): Intent[] {
  const e = new RuleEngine(r, onTransition ? { onTransition } : {});
  const out: Intent[] = [];
  for (const s of samples) out.push(...e.evaluate(s).intents);
  out.push(...e.flush());
  return out;
}

/** 0.5 before 09:10, 0.95 until 09:30, then 0.3 */
const profile = (t: number) => (t < T0 + 10 * MIN ? 0.5 : t < T0 + 30 * MIN ? 0.95 : 0.3);

describe('rules engine', () => {
  afterEach(() => vi.useRealTimers());

  it('fires only once the condition has held for `for` (pending → firing)', () => {
    const transitions: RuleTransition[] = [];
    const intents = run(surge(), stream(['a', 'b'], T0, T0 + 60 * MIN, 10 * SEC, profile), (t) =>
      transitions.push(t),
    );
    expect(intents).toHaveLength(1);
    const pending = transitions.find((t) => t.to === 'pending')!;
    const firing = transitions.find((t) => t.to === 'firing')!;
    expect(firing.at - pending.at).toBe(3 * MIN);
    expect(intents[0]!.eventTime).toBe(firing.at);
    expect(intents[0]!.evidence).toMatchObject({
      metric: 'utilization',
      aggregate: 'avg',
      window: '2m',
      op: 'above',
      threshold: 0.8,
    });
    expect(intents[0]!.evidence.value).toBeGreaterThan(0.8);
  });

  it('goes back to inactive when the condition breaks while pending', () => {
    const blip = (t: number) => (t >= T0 + 10 * MIN && t < T0 + 12 * MIN ? 1 : 0.5);
    expect(run(surge(), stream(['a'], T0, T0 + 60 * MIN, 10 * SEC, blip))).toHaveLength(0);
  });

  it('holds firing until the clear value is crossed (hysteresis), then resolves', () => {
    const transitions: RuleTransition[] = [];
    // 0.95, then 0.7 (between clear 0.6 and threshold 0.8), then 0.4
    const level = (t: number) => (t < T0 + 10 * MIN ? 0.95 : t < T0 + 40 * MIN ? 0.7 : 0.4);
    run(surge(), stream(['a'], T0, T0 + 60 * MIN, 10 * SEC, level), (t) => transitions.push(t));
    const resolved = transitions.find((t) => t.from === 'firing')!;
    expect(resolved.to).toBe('inactive');
    expect(resolved.at).toBeGreaterThan(T0 + 40 * MIN);
  });

  it('keeps firing for keepFiringFor after the condition clears', () => {
    const transitions: RuleTransition[] = [];
    run(surge('    keepFiringFor: 5m'), stream(['a'], T0, T0 + 60 * MIN, 10 * SEC, profile), (t) =>
      transitions.push(t),
    );
    const without: RuleTransition[] = [];
    run(surge(), stream(['a'], T0, T0 + 60 * MIN, 10 * SEC, profile), (t) => without.push(t));
    const end = (ts: RuleTransition[]) => ts.find((t) => t.from === 'firing')!.at;
    expect(end(transitions) - end(without)).toBe(5 * MIN);
  });

  it('acts at most once per cooldown, and a firing that starts in a cooldown acts when it ends', () => {
    // two surges 20 minutes apart; cooldown 30m
    const twice = (t: number) => {
      const m = (t - T0) / MIN;
      return (m >= 5 && m < 15) || (m >= 25 && m < 60) ? 0.95 : 0.3;
    };
    const intents = run(surge('    cooldown: 30m'), stream(['a'], T0, T0 + 90 * MIN, 10 * SEC, twice));
    expect(intents).toHaveLength(2);
    expect(intents[1]!.eventTime - intents[0]!.eventTime).toBe(30 * MIN);
    expect(intents[1]!.firingSince).toBeLessThan(intents[1]!.eventTime);
  });

  it('repeats every repeatEvery while still firing', () => {
    const long = (t: number) => (t >= T0 + 5 * MIN ? 0.95 : 0.3);
    const intents = run(
      surge('    cooldown: 10m\n    repeatEvery: 20m'),
      stream(['a'], T0, T0 + 60 * MIN, 10 * SEC, long),
    );
    expect(intents.map((i) => i.repeat)).toEqual([0, 1, 2]);
    expect(intents[1]!.eventTime - intents[0]!.eventTime).toBe(20 * MIN);
  });

  it('is active only inside its local-time window (during), in the named zone', () => {
    // T0 is 09:00 SGT; the window opens 09:20 SGT
    const r = surge(
      "    during: { zone: Asia/Singapore, windows: [{ days: [fri], from: '09:20', to: '12:00' }] }",
    );
    const transitions: RuleTransition[] = [];
    const intents = run(
      r,
      stream(['a'], T0, T0 + 60 * MIN, 10 * SEC, (t) => (t >= T0 + 5 * MIN ? 0.95 : 0.3)),
      (t) => transitions.push(t),
    );
    expect(transitions[0]!.at).toBe(T0 + 20 * MIN);
    expect(intents[0]!.eventTime).toBe(T0 + 23 * MIN);
  });

  it('aggregates a group as the sum of its trunks’ latest samples, and drops a trunk that went silent', () => {
    const r = rules(`engine: { allowedLateness: 0s, memberStaleAfter: 1m }
rules:
  - id: calls
    scope: { by: trunkGroup }
    when: { metric: activeCalls, aggregate: last, window: 1m, atLeast: 150 }
    action: { extend: { team: t, by: 30m, endingWithin: 1h, maxAgents: 1 } }
`);
    const e = new RuleEngine(r);
    e.evaluate(sample('a', T0, 80));
    e.evaluate(sample('b', T0 + 1 * SEC, 80));
    // a + b = 160 ≥ 150: fires when b's sample is processed
    const out = [...e.evaluate(sample('a', T0 + 2 * SEC, 80)).intents, ...e.flush()];
    expect(out).toHaveLength(1);
    expect(out[0]!.evidence.value).toBe(160);
    // b stops reporting; two minutes on, a alone counts
    const later = new RuleEngine(r);
    for (const s of [sample('a', T0, 10), sample('b', T0, 140), sample('a', T0 + 2 * MIN, 100)])
      later.evaluate(s);
    expect(later.flush()).toHaveLength(0);
  });

  it('orders samples by event time within the allowed lateness: any such arrival order gives the same intents', () => {
    const r = rules(`engine: { allowedLateness: 1m }
rules:
  - id: surge
    scope: { by: trunkGroup }
    when: { metric: utilization, aggregate: max, window: 2m, above: 0.9 }
    for: 1m
    action: { extend: { team: t, by: 30m, endingWithin: 1h, maxAgents: 1 } }
  - id: trunk-hot
    scope: { by: trunk }
    when: { metric: utilization, aggregate: p95, window: 3m, atLeast: 0.85 }
    action: { extend: { team: t, by: 30m, endingWithin: 1h, maxAgents: 1 } }
`);
    const base = stream(
      ['a', 'b', 'c'],
      T0,
      T0 + 30 * MIN,
      10 * SEC,
      (t) => 0.5 + 0.45 * Math.sin((t - T0) / (4 * MIN)),
    );
    const expected = run(r, base);
    expect(expected.length).toBeGreaterThan(0);
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 50 * SEC }), { minLength: base.length, maxLength: base.length }),
        (delays) => {
          // each sample arrives up to 50 s late: sort by arrival time
          const arrival = base.map((s, i) => ({ s, at: s.time + delays[i]! })).sort((x, y) => x.at - y.at);
          expect(
            run(
              r,
              arrival.map((x) => x.s),
            ),
          ).toEqual(expected);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('refuses a sample behind the watermark as late, and a repeated one as a duplicate', () => {
    const e = new RuleEngine(surge());
    e.evaluate(sample('a', T0 + 5 * MIN, 50));
    const late = e.evaluate(sample('a', T0, 50)).rejected!;
    expect(late.code).toBe('TR_ERR_EVENT_LATE');
    expect(late.message).toMatch(/behind the watermark/);
    const lateness = rules(`engine: { allowedLateness: 1m }
rules: []`);
    const e2 = new RuleEngine(lateness);
    e2.evaluate(sample('a', T0, 50));
    expect(e2.evaluate(sample('a', T0, 50)).rejected!.code).toBe('TR_ERR_EVENT_DUPLICATE');
    expect(e2.stats).toMatchObject({ accepted: 1, duplicates: 1 });
  });

  it('restored mid-stream, continues exactly as an uninterrupted run', () => {
    const r = surge('    cooldown: 10m\n    repeatEvery: 15m\n    keepFiringFor: 1m');
    const events = stream(
      ['a', 'b', 'c'],
      T0,
      T0 + 90 * MIN,
      10 * SEC,
      (t) => 0.5 + 0.45 * Math.sin((t - T0) / (6 * MIN)),
    );
    const expected = run(r, events);
    expect(expected.length).toBeGreaterThan(2);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: events.length - 1 }), (cut) => {
        const first = new RuleEngine(r);
        const out: Intent[] = [];
        for (const s of events.slice(0, cut)) out.push(...first.evaluate(s).intents);
        const snap = JSON.parse(JSON.stringify(first.snapshot()));
        const second = RuleEngine.restore(r, snap);
        for (const s of events.slice(cut)) out.push(...second.evaluate(s).intents);
        out.push(...second.flush());
        expect(out).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });

  it('decides from event time only: the wall clock changes nothing', () => {
    const events = stream(['a', 'b'], T0, T0 + 60 * MIN, 10 * SEC, profile);
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2001-01-01T00:00:00Z'));
    const a = run(surge(), events);
    vi.setSystemTime(new Date('2099-06-30T12:00:00Z'));
    const b = run(surge(), events);
    expect(a).toEqual(b);
    expect(a).toHaveLength(1);
  });

  it('swapping in new rules keeps the state of unchanged rules and starts changed ones afresh', () => {
    const before = rules(`engine: { allowedLateness: 0s }
rules:
  - id: keep
    scope: { by: trunkGroup }
    when: { metric: utilization, aggregate: avg, window: 2m, above: 0.8 }
    for: 10m
    action: { extend: { team: t, by: 30m, endingWithin: 1h, maxAgents: 1 } }
  - id: change
    scope: { by: trunkGroup }
    when: { metric: utilization, aggregate: avg, window: 2m, above: 0.8 }
    for: 10m
    action: { extend: { team: t, by: 30m, endingWithin: 1h, maxAgents: 1 } }
`);
    const after = rules(`engine: { allowedLateness: 0s }
rules:
  - id: keep
    scope: { by: trunkGroup }
    when: { metric: utilization, aggregate: avg, window: 2m, above: 0.8 }
    for: 10m
    action: { extend: { team: t, by: 45m, endingWithin: 1h, maxAgents: 1 } }
  - id: change
    scope: { by: trunkGroup }
    when: { metric: utilization, aggregate: avg, window: 2m, above: 0.75 }
    for: 10m
    action: { extend: { team: t, by: 30m, endingWithin: 1h, maxAgents: 1 } }
`);
    const e = new RuleEngine(before);
    const hot = stream(['a'], T0, T0 + 30 * MIN, 10 * SEC, () => 0.95);
    const out: Intent[] = [];
    for (const s of hot.slice(0, 36)) out.push(...e.evaluate(s).intents); // 6 minutes
    e.replaceRules(after);
    for (const s of hot.slice(36)) out.push(...e.evaluate(s).intents);
    out.push(...e.flush());
    const at = (id: string) => out.find((i) => i.ruleId === id)!.eventTime;
    // 'keep' only changed its action: its pending timer survived (fires 10 min after T0)
    expect(at('keep')).toBe(T0 + 10 * MIN);
    expect(out.find((i) => i.ruleId === 'keep')!.action).toMatchObject({ byMs: 45 * MIN });
    // 'change' changed its condition: its timer restarted at the first sample evaluated after
    // the swap (05:50, which was still waiting for the watermark), so it fires 10 minutes later
    expect(at('change')).toBe(T0 + 15 * MIN + 50 * SEC);
  });
});
