import { describe, expect, it } from 'vitest';
import type { NdjsonItem } from '../../src/events/ndjson.js';
import type { TrunkSample } from '../../src/events/trunk-event.js';
import type { Adjustment } from '../../src/planner/adjustment.js';
import type { DryRunReport } from '../../src/planner/dry-run.js';
import { planPicture } from '../../src/report/plan-picture.js';
import { MIN, rules, sample, T0 } from '../rules/helpers.js';

const ZONE = 'Asia/Singapore';

const RULES = rules(`engine: { allowedLateness: 0s }
rules:
  - id: hot-group
    scope: { by: trunkGroup }
    when: { metric: utilization, aggregate: avg, window: 2m, above: 0.8 }
    action: { extend: { team: t, by: 30m, endingWithin: 1h, maxAgents: 2 } }
  - id: hot-trunk
    scope: { by: trunk }
    when: { metric: utilization, aggregate: avg, window: 2m, above: 0.9 }
    action: { extend: { team: t, by: 30m, endingWithin: 1h, maxAgents: 1 } }
  - id: hot-site
    scope: { by: site, where: { site: sg2 } }
    when: { metric: utilization, aggregate: avg, window: 2m, above: 0.95 }
    action: { extend: { team: t, by: 30m, endingWithin: 1h, maxAgents: 1 } }
`);

/** g1 (a1, a2 at site sg1) and g2 (b1, b2 at site sg2), one sample each a minute. */
function samples(minutes: number, level: (t: number) => number): TrunkSample[] {
  const out: TrunkSample[] = [];
  for (let m = 0; m < minutes; m++) {
    const t = T0 + m * MIN;
    for (const [id, group, site] of [
      ['a1', 'g1', 'sg1'],
      ['a2', 'g1', 'sg1'],
      ['b1', 'g2', 'sg2'],
      ['b2', 'g2', 'sg2'],
    ] as const)
      out.push(sample(id, t, Math.round(level(t) * 100), { trunkGroup: group, site }));
  }
  return out;
}

function events(list: TrunkSample[]): () => AsyncIterable<NdjsonItem> {
  return async function* () {
    let line = 0;
    for (const s of list) yield { line: ++line, ok: true, sample: s };
  };
}

function adjustment(
  key: string,
  ruleId: string,
  scope: { kind: string; value: string },
  at: number,
): Adjustment {
  const createdAt = new Date(at).toISOString();
  return {
    kind: 'update',
    key,
    ruleId,
    action: 'extend',
    createdAt,
    shiftId: `sh-${key}`,
    agentId: `ag-${key}`,
    teamId: 't',
    mutation: { kind: 'set-end', end: createdAt },
    reason: {
      ruleId,
      scope,
      metric: 'utilization',
      aggregate: 'avg',
      value: 0.97,
      threshold: 0.8,
      window: '2m',
      eventTime: createdAt,
      text: `${ruleId}: the reason of ${key}`,
    },
  };
}

function plan(adjustments: Adjustment[]): DryRunReport {
  return {
    events: { read: 0, accepted: 0, bad: 0, late: 0, duplicates: 0 },
    rejected: [],
    intents: adjustments.length,
    adjustments,
    skipped: [],
    notes: adjustments.length > 0 ? [{ key: adjustments[0]!.key, note: 'held until the window closes' }] : [],
  };
}

describe('the plan report’s picture', () => {
  it('marks each adjustment on the trunk groups its trigger’s scope lies in, with its reason', async () => {
    const at = T0 + 30 * MIN;
    const p = await planPicture(
      RULES,
      events(samples(60, () => 0.5)),
      plan([
        adjustment('k-group', 'hot-group', { kind: 'trunkGroup', value: 'g2' }, at),
        adjustment('k-trunk', 'hot-trunk', { kind: 'trunk', value: 'a2' }, at),
        adjustment('k-site', 'hot-site', { kind: 'site', value: 'sg2' }, at),
      ]),
      ZONE,
    );
    const keys = (name: string) => p.groups.find((g) => g.name === name)!.marks.map((m) => m.key);
    expect(p.groups.map((g) => g.name)).toEqual(['g1', 'g2']);
    expect(keys('g1')).toEqual(['k-trunk']);
    expect(keys('g2')).toEqual(['k-group', 'k-site']);
    const m = p.groups[1]!.marks[0]!;
    expect(m.at).toBe(at);
    expect(m.text).toBe(
      '09:30 Fri 27 Nov +08:00 (01:30Z) · extend sh-k-group / ag-k-group\nhot-group: the reason of k-group\nheld until the window closes',
    );
  });

  it('draws the periods each rule fired in the groups it watches, from the events alone', async () => {
    // hot for minutes 20..39, quiet around
    const hot = (t: number) => (t >= T0 + 20 * MIN && t < T0 + 40 * MIN ? 0.97 : 0.3);
    const p = await planPicture(RULES, events(samples(60, hot)), plan([]), ZONE);
    const g1 = p.groups.find((g) => g.name === 'g1')!;
    const g2 = p.groups.find((g) => g.name === 'g2')!;
    expect(g1.rules.map((r) => r.id)).toEqual(['hot-group', 'hot-trunk']);
    expect(g2.rules.map((r) => r.id)).toEqual(['hot-group', 'hot-trunk', 'hot-site']);
    const group = g2.rules.find((r) => r.id === 'hot-group')!;
    expect(group.periods).toHaveLength(1);
    const [period] = group.periods;
    expect(period!.scope).toBe('trunkGroup g2');
    expect(period!.from).toBeGreaterThan(T0 + 20 * MIN);
    expect(period!.from).toBeLessThanOrEqual(T0 + 22 * MIN);
    expect(period!.to).toBeGreaterThan(T0 + 39 * MIN);
    // a trunk-scoped rule fires per trunk: both of g1's, in g1's picture
    expect(g1.rules.find((r) => r.id === 'hot-trunk')!.periods.map((x) => x.scope)).toEqual([
      'trunk a1',
      'trunk a2',
    ]);
    expect(group.thresholds.map((t) => t.value)).toEqual([0.8]);
  });

  it('coarsens the plot to keep a long file to a day’s worth of points per group', async () => {
    const threeDays = 3 * 24 * 60;
    const p = await planPicture(RULES, events(samples(threeDays, () => 0.5)), plan([]), ZONE);
    // 4,320 minutes with samples: 2-minute points would be 2,160, 5-minute ones 864
    expect(p.bucketMs).toBe(5 * MIN);
    expect(p.groups[0]!.points).toHaveLength(864);
    expect(p.span).toEqual({ from: T0, to: T0 + (threeDays - 1) * MIN });

    const short = await planPicture(RULES, events(samples(90, () => 0.5)), plan([]), ZONE);
    expect(short.bucketMs).toBe(MIN);
    expect(short.groups[0]!.points).toHaveLength(90);
  });
});
