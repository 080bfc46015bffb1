import { describe, expect, it } from 'vitest';
import type { TrunkSample } from '../../src/events/trunk-event.js';
import { type RuleInfo, ruleInfoFrom, StatusModel } from '../../src/observability/status-model.js';
import type { Adjustment } from '../../src/planner/adjustment.js';
import { compileRules } from '../../src/rules/compile.js';
import { loadRulesFile } from '../../src/rules/load.js';
import type { Outcome } from '../../src/writer/outcome.js';

const T0 = Date.parse('2026-11-27T01:00:00Z');
const MIN = 60_000;

function sample(trunkId: string, time: number, activeCalls: number, trunkGroup = 'sg-byoc'): TrunkSample {
  return {
    trunkId,
    trunkGroup,
    region: 'apac',
    site: 'sg1',
    labels: undefined,
    time,
    activeCalls,
    capacity: 30,
    utilization: activeCalls / 30,
  };
}

const surge: RuleInfo = {
  id: 'surge',
  scopeBy: 'trunkGroup',
  condition: 'avg 5m utilization > 0.85',
  thresholds: [{ metric: 'utilization', aggregate: 'avg', window: '5m', op: '>', value: 0.85, clear: 0.75 }],
  appliesTo: (s) => s.trunkGroup === 'sg-byoc',
};
const saturated: RuleInfo = {
  id: 'saturated',
  scopeBy: 'trunk',
  condition: 'min 3m utilization >= 1',
  thresholds: [{ metric: 'utilization', aggregate: 'min', window: '3m', op: '>=', value: 1, clear: 1 }],
};

function adjustment(key: string, createdAt = T0): Adjustment {
  return {
    kind: 'update',
    key,
    ruleId: 'surge',
    action: 'extend',
    createdAt: new Date(createdAt).toISOString(),
    shiftId: `shift-${key}`,
    agentId: `agent-${key}`,
    teamId: 'sg-voice',
    mutation: { kind: 'set-end', end: '2026-11-27T10:30:00Z' },
    reason: {
      ruleId: 'surge',
      scope: { kind: 'trunkGroup', value: 'sg-byoc' },
      metric: 'utilization',
      aggregate: 'avg',
      value: 0.91,
      threshold: 0.85,
      window: '5m',
      eventTime: new Date(createdAt).toISOString(),
      text: 'surge: avg utilization 0.91 > 0.85 over 5m on trunkGroup sg-byoc',
    },
  };
}

function outcome(key: string, status: Outcome['status'], extra: Partial<Outcome> = {}): Outcome {
  return {
    key,
    kind: 'update',
    ruleId: 'surge',
    action: 'extend',
    status,
    attempts: 1,
    httpCalls: 2,
    rateLimited: 0,
    deferrals: status === 'deferred' ? 1 : 0,
    firstAttemptStale: false,
    finalVersions: {},
    startedAt: '2026-11-27T01:05:00Z',
    finishedAt: '2026-11-27T01:05:01Z',
    durationMs: 1000,
    ...extra,
  };
}

describe('status model', () => {
  it('aggregates each trunk group per bucket: Σ calls / Σ capacity, and the busiest trunk', () => {
    const m = new StatusModel({ rules: [surge] });
    m.sample(sample('t1', T0, 30));
    m.sample(sample('t2', T0 + 10_000, 15));
    m.sample(sample('t1', T0 + MIN, 6));
    m.sample(sample('x1', T0 + MIN, 3, 'other'));
    const s = m.snapshot();
    const g = s.groups.find((x) => x.name === 'sg-byoc')!;
    expect(g.trunks).toBe(2);
    expect(g.points).toEqual([
      [T0, 0.75, 1],
      [T0 + MIN, 0.2, 0.2],
    ]);
    expect(g.rules.map((r) => r.id)).toEqual(['surge']);
    expect(s.groups.find((x) => x.name === 'other')!.rules).toEqual([]);
    expect(s.eventTime).toBe(T0 + MIN);
  });

  it('keeps only the last horizon of event time, however long it runs', () => {
    const m = new StatusModel({ rules: [], horizonMs: 10 * MIN, bucketMs: MIN });
    for (let i = 0; i < 1000; i++) m.sample(sample('t1', T0 + i * MIN, 10));
    const g = m.snapshot().groups[0]!;
    expect(g.points).toHaveLength(10);
    expect(g.points[0]![0]).toBe(T0 + 990 * MIN);
    // a sample older than the horizon is not drawn
    m.sample(sample('t2', T0, 30));
    expect(m.snapshot().groups[0]!.points).toHaveLength(10);
  });

  it('turns rule transitions into firing periods on the group the scope belongs to', () => {
    const m = new StatusModel({ rules: [surge, saturated] });
    m.sample(sample('t1', T0, 20));
    m.sample(sample('t1', T0 + 20 * MIN, 20));
    const group = { kind: 'trunkGroup' as const, value: 'sg-byoc' };
    m.transition({ ruleId: 'surge', scope: group, from: 'inactive', to: 'pending', at: T0 + MIN });
    m.transition({ ruleId: 'surge', scope: group, from: 'pending', to: 'firing', at: T0 + 3 * MIN });
    m.transition({ ruleId: 'surge', scope: group, from: 'firing', to: 'inactive', at: T0 + 9 * MIN });
    m.transition({ ruleId: 'surge', scope: group, from: 'inactive', to: 'pending', at: T0 + 10 * MIN });
    m.transition({ ruleId: 'surge', scope: group, from: 'pending', to: 'firing', at: T0 + 12 * MIN });
    m.transition({
      ruleId: 'saturated',
      scope: { kind: 'trunk', value: 't1' },
      from: 'pending',
      to: 'firing',
      at: T0 + 4 * MIN,
    });
    m.transition({
      ruleId: 'saturated',
      scope: { kind: 'trunk', value: 'elsewhere' },
      from: 'pending',
      to: 'firing',
      at: T0 + 5 * MIN,
    });
    const rules = m.snapshot().groups[0]!.rules;
    const byId = Object.fromEntries(rules.map((r) => [r.id, r]));
    expect(byId.surge!.periods).toEqual([
      { from: T0 + 3 * MIN, to: T0 + 9 * MIN, scope: 'trunkGroup sg-byoc' },
      { from: T0 + 12 * MIN, to: null, scope: 'trunkGroup sg-byoc' },
    ]);
    expect(byId.surge!.firing).toBe(true);
    expect(byId.saturated!.periods).toEqual([{ from: T0 + 4 * MIN, to: null, scope: 'trunk t1' }]);
  });

  it('keeps a bounded number of firing periods per rule and scope', () => {
    const m = new StatusModel({ rules: [surge], maxPeriods: 3, horizonMs: 48 * 3_600_000 });
    m.sample(sample('t1', T0, 20));
    const scope = { kind: 'trunkGroup' as const, value: 'sg-byoc' };
    for (let i = 0; i < 50; i++) {
      m.transition({ ruleId: 'surge', scope, from: 'pending', to: 'firing', at: T0 + i * 10 * MIN });
      m.transition({ ruleId: 'surge', scope, from: 'firing', to: 'inactive', at: T0 + (i * 10 + 5) * MIN });
    }
    const periods = m.snapshot().groups[0]!.rules[0]!.periods;
    expect(periods.map((p) => p.from)).toEqual([47, 48, 49].map((i) => T0 + i * 10 * MIN));
  });

  it('shows each adjustment with its latest outcome; a deferred one waits until its terminal record', () => {
    const m = new StatusModel({ rules: [surge] });
    m.adjustment(adjustment('a'));
    m.adjustment(adjustment('b', T0 + MIN));
    m.outcome(outcome('a', 'applied'));
    m.outcome(
      outcome('b', 'deferred', {
        deferredUntil: '2026-11-28T18:30:00Z',
        reason: { code: 'TR_ERR_WFM_LOCKED', message: 'publish window' },
      }),
    );
    let s = m.snapshot();
    expect(s.waiting.map((r) => [r.key, r.deferredUntil])).toEqual([
      ['b', Date.parse('2026-11-28T18:30:00Z')],
    ]);
    expect(s.latest.map((r) => [r.key, r.status])).toEqual([
      ['b', 'deferred'],
      ['a', 'applied'],
    ]);
    expect(s.latest[1]!.reason).toMatchObject({
      value: 0.91,
      threshold: 0.85,
      metric: 'utilization',
      window: '5m',
    });
    expect(s.latest[1]!.target).toBe('shift shift-a (agent agent-a)');
    m.outcome(outcome('b', 'applied'));
    s = m.snapshot();
    expect(s.waiting).toEqual([]);
    expect(s.counts).toMatchObject({ adjustments: 2, waiting: 0, outcomes: { applied: 2, deferred: 1 } });
  });

  it('tells every time for people in the business unit zone with its offset and UTC beside it, and keeps the instants', () => {
    const m = new StatusModel({ rules: [surge], zone: 'Asia/Singapore' });
    m.sample(sample('t1', Date.parse('2026-11-28T18:48:00Z'), 20));
    m.adjustment(adjustment('night', Date.parse('2026-11-28T18:06:00Z')));
    m.outcome(outcome('night', 'deferred', { deferredUntil: '2026-11-28T18:30:00Z' }));
    const s = m.snapshot();
    expect(s.eventTimeText).toBe('02:48 Sun 29 Nov +08:00 (18:48Z)');
    expect(s.waiting.map((r) => [r.createdAtText, r.deferredUntilText])).toEqual([
      ['02:06 Sun 29 Nov +08:00 (18:06Z)', '02:30 Sun 29 Nov +08:00 (18:30Z)'],
    ]);
    expect(s.latest[0]!.deferredUntil).toBe(Date.parse('2026-11-28T18:30:00Z'));
  });

  it('forgets the oldest finished adjustments first, never one still waiting', () => {
    const m = new StatusModel({ rules: [surge], maxAdjustments: 3 });
    m.adjustment(adjustment('waiting'));
    m.outcome(outcome('waiting', 'deferred', { deferredUntil: '2026-11-28T18:30:00Z' }));
    for (const k of ['a', 'b', 'c', 'd']) {
      m.adjustment(adjustment(k));
      m.outcome(outcome(k, 'applied'));
    }
    const s = m.snapshot();
    expect(s.latest.map((r) => r.key)).toEqual(['d', 'c', 'waiting']);
    expect(s.waiting.map((r) => r.key)).toEqual(['waiting']);
    expect(s.counts.adjustments).toBe(5);
  });

  it('sums a sample told again (a replay, a second lane) only once', () => {
    const m = new StatusModel({ rules: [] });
    m.sample(sample('t1', T0, 30));
    m.sample(sample('t2', T0 + 1_000, 0));
    m.sample(sample('t1', T0, 30));
    expect(m.snapshot().groups[0]!.points).toEqual([[T0, 0.5, 1]]);
  });

  it('counts an adjustment told by the planner and again by the writer once', () => {
    const m = new StatusModel({ rules: [] });
    m.adjustment(adjustment('a'));
    m.adjustment(adjustment('a'));
    m.adjustment(adjustment('b'));
    expect(m.snapshot().counts.adjustments).toBe(2);
    expect(m.snapshot().latest.map((r) => r.key)).toEqual(['b', 'a']);
  });

  it('counts planner skips by guardrail, the kill switch among them', () => {
    const m = new StatusModel({ rules: [] });
    m.skipped({ guardrail: 'killSwitch' });
    m.skipped({ guardrail: 'killSwitch' });
    m.skipped({ guardrail: 'maxShiftLength' });
    expect(m.snapshot().counts.skipped).toEqual({ killSwitch: 2, maxShiftLength: 1 });
  });

  it('takes each rule’s thresholds from the compiled rules file', async () => {
    const rules = ruleInfoFrom(compileRules(await loadRulesFile('config/rules.apac.yaml')));
    const onQueue = rules.find((r) => r.id === 'sg-byoc-surge-on-queue')!;
    expect(onQueue.scopeBy).toBe('trunkGroup');
    expect(onQueue.thresholds).toEqual([
      { metric: 'utilization', aggregate: 'avg', window: '5m', op: '>', value: 0.8, clear: 0.7 },
      { metric: 'activeCalls', aggregate: 'max', window: '5m', op: '>=', value: 420, clear: 420 },
    ]);
    expect(onQueue.condition).toBe('avg 5m utilization > 0.8 (clear 0.7) or max 5m activeCalls >= 420');
    expect(onQueue.appliesTo!(sample('t1', T0, 1))).toBe(true);
    expect(onQueue.appliesTo!(sample('t1', T0, 1, 'au-byoc'))).toBe(false);
    // disabled rules are not compiled, so not drawn
    expect(rules.some((r) => r.id === 'sg-byoc-trunk-saturated')).toBe(false);
  });
});
