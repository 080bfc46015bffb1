import type { TrunkSample } from '../src/events/trunk-event.js';
import type { RulesFileInput } from '../src/rules/schema.js';

/**
 * The benchmark workload: 1,000 trunks in 50 trunk groups (20 each), 5 regions, 25 sites
 * and 4 carriers (a label), and 50 rules spread over every kind of scope with windowed
 * aggregates (avg, max, min, p95, last), `for:`, hysteresis and all/any/not — the kind of
 * file a multi-team deployment would run. Events: one sample per trunk every 10 s of
 * event time, utilization a seeded random walk with surges, so rules do fire.
 */
export const TRUNKS = 1000;
export const GROUPS = 50;
const REGIONS = ['apac', 'emea', 'amer', 'anz', 'india'];
const CARRIERS = ['singtel', 'starhub', 'telstra', 'tata'];

export interface Trunk {
  trunkId: string;
  trunkGroup: string;
  region: string;
  site: string;
  labels: Record<string, string>;
  capacity: number;
}

export function trunks(): Trunk[] {
  return Array.from({ length: TRUNKS }, (_, i) => {
    const g = i % GROUPS;
    return {
      trunkId: `t-${String(i).padStart(4, '0')}`,
      trunkGroup: group(g),
      region: REGIONS[g % REGIONS.length]!,
      site: `site-${String(Math.floor(g / 2)).padStart(2, '0')}`,
      labels: { carrier: CARRIERS[i % CARRIERS.length]! },
      capacity: 30 + (i % 4) * 10,
    };
  });
}

function group(g: number): string {
  return `g-${String(g).padStart(2, '0')}`;
}

export function rulesFile(): RulesFileInput {
  const rules: NonNullable<RulesFileInput['rules']> = [];
  const action = (i: number) =>
    i % 3 === 0
      ? { extend: { team: `team-${i % 10}`, by: '30m', endingWithin: '1h', maxAgents: 2 } }
      : i % 3 === 1
        ? { shorten: { team: `team-${i % 10}`, by: '30m', startingWithin: '4h', maxAgents: 1 } }
        : { pullForward: { team: `team-${i % 10}`, by: '30m', startingWithin: '2h', maxAgents: 1 } };
  // 30 trunk-group rules, one per group for g-00..g-29, five shapes in turn
  for (let g = 0; g < 30; g++) {
    const base = {
      id: `group-${g}`,
      scope: { by: 'trunkGroup' as const, where: { trunkGroup: group(g) } },
      action: action(g),
    };
    switch (g % 5) {
      case 0:
        rules.push({
          ...base,
          when: { metric: 'utilization', aggregate: 'avg', window: '5m', above: 0.85, clear: 0.75 },
          for: '3m',
          cooldown: '30m',
        });
        break;
      case 1:
        rules.push({
          ...base,
          when: { metric: 'utilization', aggregate: 'max', window: '2m', above: 0.95 },
          for: '1m',
          keepFiringFor: '2m',
        });
        break;
      case 2:
        rules.push({
          ...base,
          when: { metric: 'utilization', aggregate: 'p95', window: '10m', above: 0.9 },
          for: '5m',
        });
        break;
      case 3:
        rules.push({
          ...base,
          when: { metric: 'utilization', aggregate: 'min', window: '15m', below: 0.2, clear: 0.25 },
          for: '10m',
          during: { zone: 'Asia/Singapore', windows: [{ days: ['mon-fri'], from: '09:00', to: '18:00' }] },
        });
        break;
      default:
        rules.push({
          ...base,
          when: {
            all: [
              { metric: 'utilization', aggregate: 'avg', window: '5m', above: 0.8 },
              {
                any: [
                  { metric: 'activeCalls', aggregate: 'last', window: '1m', atLeast: 600 },
                  { not: { metric: 'capacity', aggregate: 'min', window: '5m', atLeast: 800 } },
                ],
              },
            ],
          },
          for: '2m',
        });
    }
  }
  // 8 per-trunk rules over a region or a handful of groups
  for (let i = 0; i < 8; i++) {
    rules.push({
      id: `trunk-${i}`,
      scope:
        i < 5
          ? { by: 'trunk', where: { region: REGIONS[i]! } }
          : { by: 'trunk', where: { trunkGroup: [group(30 + i), group(40 + i), group(45 + (i % 5))] } },
      when:
        i % 2 === 0
          ? { metric: 'utilization', aggregate: 'max', window: '1m', atLeast: 1 }
          : { metric: 'utilization', aggregate: 'avg', window: '3m', above: 0.9, clear: 0.8 },
      for: '2m',
      cooldown: '1h',
      action: action(i),
    });
  }
  // 5 region rules, 4 site rules, 3 label selectors
  REGIONS.forEach((r, i) => {
    rules.push({
      id: `region-${r}`,
      scope: { by: 'region', where: { region: r } },
      when: { metric: 'utilization', aggregate: 'avg', window: '15m', above: 0.8, clear: 0.7 },
      for: '5m',
      action: action(i),
    });
  });
  for (let i = 0; i < 4; i++) {
    rules.push({
      id: `site-${i}`,
      scope: {
        by: 'site',
        where: {
          site: [`site-${String(i * 3).padStart(2, '0')}`, `site-${String(i * 3 + 1).padStart(2, '0')}`],
        },
      },
      when: { metric: 'activeCalls', aggregate: 'max', window: '5m', above: 1500 },
      for: '1m',
      action: action(i),
    });
  }
  for (let i = 0; i < 3; i++) {
    rules.push({
      id: `carrier-${CARRIERS[i]}`,
      scope: { by: 'selector', where: { labels: { carrier: CARRIERS[i]! } } },
      when: { metric: 'utilization', aggregate: 'avg', window: '5m', below: 0.1 },
      for: '10m',
      action: action(i),
    });
  }
  return { version: 1, engine: { allowedLateness: '0s' }, defaults: { zone: 'Asia/Singapore' }, rules };
}

/** `ticks` rounds of one sample per trunk, 10 s apart, from 2026-11-27T00:00Z. */
export function events(ts: Trunk[], ticks: number): TrunkSample[] {
  let seed = 42;
  const rand = () => {
    seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const level = ts.map(() => 0.5 + rand() * 0.3);
  const out: TrunkSample[] = new Array(ts.length * ticks);
  const t0 = Date.UTC(2026, 10, 27);
  let n = 0;
  for (let k = 0; k < ticks; k++) {
    const surge = Math.sin(k / 180) * 0.25;
    for (let i = 0; i < ts.length; i++) {
      const tr = ts[i]!;
      level[i] = Math.min(1, Math.max(0, level[i]! + (rand() - 0.5) * 0.04));
      const u = Math.min(1, Math.max(0, level[i]! + surge));
      const activeCalls = Math.round(u * tr.capacity);
      out[n++] = {
        trunkId: tr.trunkId,
        trunkGroup: tr.trunkGroup,
        region: tr.region,
        site: tr.site,
        labels: tr.labels,
        time: t0 + k * 10_000,
        activeCalls,
        capacity: tr.capacity,
        utilization: activeCalls / tr.capacity,
      };
    }
  }
  return out;
}
