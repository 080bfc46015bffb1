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
    // b stops reporting; two minutes on, a alone counts: 100, not 100 + b's 100
    const later = new RuleEngine(r);
    const got: Intent[] = [];
    for (const s of [sample('a', T0, 10), sample('b', T0, 100), sample('a', T0 + 2 * MIN, 100)])
      got.push(...later.evaluate(s).intents);
    got.push(...later.flush());
    expect(got).toEqual([]);
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

  it('refuses a sample older than one already evaluated as late, and a repeated one as a duplicate', () => {
    const e = new RuleEngine(surge());
    e.evaluate(sample('a', T0 + 5 * MIN, 50));
    // nothing evaluated yet: an older sample can still be put in order
    expect(e.evaluate(sample('a', T0 + 4 * MIN, 50)).rejected).toBeNull();
    // a's 05:00 passes the watermark (a's newest, lateness 0) and is evaluated
    e.evaluate(sample('a', T0 + 6 * MIN, 50));
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

  it('gives the intents of the sorted stream for any interleaving of its members’ in-order streams', () => {
    const r = rules(`engine: { allowedLateness: 30s }
rules:
  - id: surge
    scope: { by: trunkGroup }
    when: { metric: utilization, aggregate: avg, window: 2m, above: 0.8, clear: 0.6 }
    for: 1m
    action: { extend: { team: t, by: 30m, endingWithin: 1h, maxAgents: 1 } }
  - id: trunk-hot
    scope: { by: trunk }
    when: { metric: utilization, aggregate: max, window: 3m, atLeast: 0.9 }
    action: { extend: { team: t, by: 30m, endingWithin: 1h, maxAgents: 1 } }
`);
    const level = (t: number) => 0.5 + 0.45 * Math.sin((t - T0) / (5 * MIN));
    const trunks = ['a', 'b', 'c', 'd'];
    const streams = trunks.map((id) => stream([id], T0, T0 + 60 * MIN, 30 * SEC, level));
    const sortedRun = run(
      r,
      streams.flat().sort((x, y) => x.time - y.time || (x.trunkId < y.trunkId ? -1 : 1)),
    );
    expect(sortedRun.length).toBeGreaterThan(2);
    fc.assert(
      fc.property(
        fc.array(fc.nat(trunks.length - 1), { minLength: 500, maxLength: 500 }),
        // bursts: how many samples of the picked member come at once
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 500, maxLength: 500 }),
        (picks, sizes) => {
          const queues = streams.map((x) => [...x]);
          // every member heard of first, then any merge, in bursts of up to 20 minutes of a member's event time
          const order = queues.map((q) => q.shift()!);
          picks.forEach((p, i) => {
            order.push(...queues[p]!.splice(0, sizes[i]!));
          });
          for (const q of queues) order.push(...q.splice(0));
          const e = new RuleEngine(r, { memberIdleMs: 30_000, maxFutureSkewMs: 300_000 });
          const out: Intent[] = [];
          // the wall clock runs on, one millisecond per sample: no member is silent long enough to be dropped
          order.forEach((x, i) => {
            const ev = e.evaluate(x, T0 + 60 * MIN + i);
            expect(ev.rejected).toBeNull();
            out.push(...ev.intents);
          });
          out.push(...e.flush());
          expect(out).toEqual(sortedRun);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses a sample stamped beyond the future bound as TR_ERR_EVENT_FUTURE, and the later samples of its group count', () => {
    const events = stream(['a', 'b'], T0, T0 + 60 * MIN, 10 * SEC, profile);
    const expected = run(surge(), events);
    expect(expected).toHaveLength(1);
    const e = new RuleEngine(surge(), { maxFutureSkewMs: 5 * MIN, memberIdleMs: 30_000 });
    const now = T0 + 61 * MIN;
    const out: Intent[] = [];
    events.forEach((x, i) => {
      if (i === 10) {
        const r = e.evaluate(sample('a', Date.UTC(2099, 5, 1), 99), now).rejected!;
        expect(r.code).toBe('TR_ERR_EVENT_FUTURE');
        expect(r.message).toMatch(/trunk a at 2099-06-01T00:00:00Z is \d+d\d*.* ahead of the clock/);
        expect(r.message).toMatch(/rules\.maxFutureSkewMs/);
      }
      const ev = e.evaluate(x, now);
      expect(ev.rejected).toBeNull();
      out.push(...ev.intents);
    });
    out.push(...e.flush());
    expect(out).toEqual(expected);
    expect(e.stats).toMatchObject({ future: 1, late: 0 });
  });

  it('repairs a restored state holding a watermark and members in 2099: later samples count, and the repair is told once', () => {
    const r = surge();
    const events = stream(['a', 'b'], T0, T0 + 60 * MIN, 10 * SEC, profile);
    const expected = run(r, events);
    // the state a build without the future bound saved after a sample stamped 2099 came: its
    // watermark (newest − lateness) leapt there and released every waiting sample
    const first = new RuleEngine(r);
    const out: Intent[] = [];
    for (const x of events.slice(0, 40)) out.push(...first.evaluate(x).intents);
    out.push(...first.flush());
    const future = Date.UTC(2099, 5, 1);
    const { members: _m, released: _r, counters, ...rest } = JSON.parse(JSON.stringify(first.snapshot()));
    const { future: _f, ...oldCounters } = counters;
    const snap = {
      ...rest,
      format: 'trunk-reactor/rule-state@1',
      counters: oldCounters,
      maxTime: future,
      watermark: future,
      buffer: [['a', 'g1', 'apac', 'sg1', null, future, 50, 100]],
    };
    const repairs: unknown[] = [];
    const second = RuleEngine.restore(r, snap, {
      now: T0 + 61 * MIN,
      maxFutureSkewMs: 5 * MIN,
      memberIdleMs: 30_000,
      onRepair: (x) => repairs.push(x),
    });
    expect(repairs).toHaveLength(1);
    expect(repairs[0]).toMatchObject({ droppedSamples: 1, droppedMembers: ['a'] });
    expect(second.watermark).toBeLessThan(T0 + 61 * MIN);
    for (const x of events.slice(40)) {
      const ev = second.evaluate(x, T0 + 61 * MIN);
      expect(ev.rejected).toBeNull();
      out.push(...ev.intents);
    }
    out.push(...second.flush());
    expect(out).toEqual(expected);
    // a sound state is restored as it is
    const sound = RuleEngine.restore(r, first.snapshot(), {
      now: T0,
      maxFutureSkewMs: 5 * MIN,
      onRepair: (x) => repairs.push(x),
    });
    expect(sound.snapshot()).toEqual(first.snapshot());
    expect(repairs).toHaveLength(1);
  });

  it('restores a state in the previous format and continues exactly as an uninterrupted run', () => {
    const r = rules(`engine: { allowedLateness: 20s }
rules:
  - id: surge
    scope: { by: trunkGroup }
    when: { metric: utilization, aggregate: avg, window: 2m, above: 0.8, clear: 0.6 }
    for: 3m
    cooldown: 10m
    repeatEvery: 15m
    action: { extend: { team: t, by: 30m, endingWithin: 1h, maxAgents: 2 } }
  - id: trunk-hot
    scope: { by: trunk }
    when: { metric: utilization, aggregate: max, window: 3m, atLeast: 0.9 }
    cooldown: 20m
    action: { extend: { team: t, by: 30m, endingWithin: 1h, maxAgents: 1 } }
`);
    const events = stream(
      ['a', 'b', 'c'],
      T0,
      T0 + 90 * MIN,
      10 * SEC,
      (t) => 0.5 + 0.45 * Math.sin((t - T0) / (6 * MIN)),
    );
    const expected = run(r, events);
    expect(expected.length).toBeGreaterThan(2);
    for (const cut of [1, 7, 200, 555, events.length - 1]) {
      const first = new RuleEngine(r);
      const out: Intent[] = [];
      for (const x of events.slice(0, cut)) out.push(...first.evaluate(x).intents);
      // what the build before wrote: no members and no released mark; its watermark was newest − lateness
      const { members: _m, released: _r, counters, ...rest } = JSON.parse(JSON.stringify(first.snapshot()));
      const { future: _f, ...oldCounters } = counters;
      const old = { ...rest, counters: oldCounters, format: 'trunk-reactor/rule-state@1' };
      const second = RuleEngine.restore(r, old);
      for (const x of events.slice(cut)) out.push(...second.evaluate(x).intents);
      out.push(...second.flush());
      expect(out).toEqual(expected);
    }
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
