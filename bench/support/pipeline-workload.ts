/**
 * The workload of bench:pipeline, shared by the bench (bench/pipeline.ts, which produces
 * the events and measures) and the reactor it runs in a child process
 * (bench/pipeline-reactor.ts): trunks, event lines, the two rule sets, the config.
 */
import { Config } from '../../src/config/schema.js';
import type { RulesFileInput } from '../../src/rules/schema.js';
import { parseInstant } from '../../src/time/instant.js';
import { prefixedTopics } from '../../test/pipeline/support/topics.js';

export const CONFIG = {
  events: Number(process.env.TR_BENCH_EVENTS ?? 1_000_000),
  trunks: 1_000,
  partitions: Number(process.env.TR_BENCH_PARTITIONS ?? 4),
  latency: {
    eventsPerSec: 5_000,
    seconds: Number(process.env.TR_BENCH_LATENCY_SECONDS ?? 40),
    /** seconds of events at the full rate before the first surge */
    warmupSeconds: 10,
  },
  schedule: { agents: 4_000, teams: 10, zone: 'Asia/Singapore', weekStart: '2026-11-25', days: 1, seed: 42 },
};
/** Event time of the throughput stream and the latency run: a Wednesday afternoon in Singapore. */
export const BASE = parseInstant('2026-11-25T13:00:00+08:00');
const REGIONS = ['apac', 'emea', 'amer', 'anz', 'india'];
const TEAMS = Array.from(
  { length: CONFIG.schedule.teams },
  (_, i) => `team-apac-${String(i + 1).padStart(2, '0')}`,
);

export function trunk(i: number) {
  return {
    trunkId: `t-${String(i).padStart(4, '0')}`,
    trunkGroup: `g-${String(i % 50).padStart(2, '0')}`,
    region: REGIONS[i % REGIONS.length]!,
    site: `site-${String(i % 25).padStart(2, '0')}`,
    capacity: 30 + (i % 4) * 10,
  };
}

export function eventLine(i: number, time: number, utilization: number): string {
  const t = trunk(i);
  return JSON.stringify({
    schemaVersion: 1,
    trunkId: t.trunkId,
    trunkGroup: t.trunkGroup,
    region: t.region,
    site: t.site,
    eventTime: new Date(time).toISOString().replace('.000Z', 'Z'),
    activeCalls: Math.round(utilization * t.capacity),
    capacity: t.capacity,
  });
}

/** Ten trunk-scoped rules over regions: windowed avg/max, `for:`, hysteresis, cooldown. */
export function throughputRules(): RulesFileInput {
  return {
    version: 1,
    engine: { allowedLateness: '0s' },
    defaults: { zone: 'Asia/Singapore', guardrails: { maxShiftLength: '12h', minRest: '8h' } },
    rules: Array.from({ length: 10 }, (_, i) => ({
      id: `trunk-${i}`,
      scope: { by: 'trunk' as const, where: { region: REGIONS[i % REGIONS.length]! } },
      when:
        i % 2 === 0
          ? {
              metric: 'utilization' as const,
              aggregate: 'avg' as const,
              window: '2m',
              above: 0.95,
              clear: 0.85,
            }
          : { metric: 'utilization' as const, aggregate: 'max' as const, window: '1m', above: 0.99 },
      for: '2m',
      cooldown: '1h',
      action: { extend: { team: TEAMS[i % TEAMS.length]!, by: '15m', endingWithin: '2h', maxAgents: 1 } },
    })),
  };
}

/** One rule that fires on a single hot sample, so each surge is one event → one write. */
export function latencyRules(): RulesFileInput {
  return {
    version: 1,
    engine: { allowedLateness: '0s' },
    defaults: {
      zone: 'Asia/Singapore',
      guardrails: {
        maxShiftLength: '12h',
        minRest: '8h',
        // every surge extends someone: the run is about latency, not about running out of agents
        maxAdjustmentsPerAgentPerDay: 50,
        maxAdjustmentsPerAgentPerWeek: 200,
        maxAgentsPerTeamPerHour: 1_000,
      },
    },
    rules: TEAMS.map((team, i) => ({
      id: `hot-${i}`,
      scope: { by: 'trunk' as const, where: { trunkGroup: groupsOf(i) } },
      when: { metric: 'utilization' as const, aggregate: 'last' as const, window: '10s', above: 0.95 },
      cooldown: '5s',
      action: { extend: { team, by: '15m', endingWithin: '2h', maxAgents: 1 } },
    })),
  };
}

function groupsOf(team: number): string[] {
  return Array.from({ length: 5 }, (_, k) => `g-${String(team * 5 + k).padStart(2, '0')}`);
}

/**
 * (b)'s config for one round: consumer groups and topics past the events of the round's own
 * (a planning stage in a fresh group would plan the earlier rounds' intents again).
 */
export function roundConfig(id: string, brokers: string[], round: number): Config {
  const base = benchConfig(id, brokers);
  const name = `${id}-r${round}`;
  return {
    ...base,
    kafka: {
      ...base.kafka,
      groupId: `bench-${name}`,
      topics: { ...prefixedTopics(name), events: base.kafka.topics.events },
    },
  };
}

export function benchConfig(id: string, brokers: string[], sandboxUrl = 'http://127.0.0.1:9/unused'): Config {
  return Config.parse({
    kafka: {
      brokers,
      clientId: `bench-${id}`,
      groupId: `bench-${id}`,
      partitions: CONFIG.partitions,
      topics: prefixedTopics(id),
    },
    wfm: {
      baseUrl: `${sandboxUrl}/wfm/api/v2`,
      allowInsecureHttp: true,
      requestsPerMinute: 600_000,
      auth: { kind: 'token', token: { env: 'TR_BENCH_WFM_TOKEN' } },
    },
    rules: { files: ['unused.yaml'], watch: false },
    log: { level: 'warn' },
  });
}
