import { DateTime } from 'luxon';
import type { KillSwitch } from '../../src/planner/kill-switch.js';
import { Planner } from '../../src/planner/planner.js';
import { SnapshotScheduleSource } from '../../src/planner/snapshot-source.js';
import { DEFAULT_GUARDRAILS, type ResolvedGuardrails } from '../../src/rules/guardrail-defaults.js';
import type { Intent } from '../../src/rules/intent.js';
import type { Clock } from '../../src/time/clock.js';
import type { Shift } from '../../src/wfm/contract.js';
import type { ScheduleSnapshot } from '../../src/wfm/snapshot.js';

export const ZONE = 'Asia/Singapore';
export const MIN = 60_000;
export const HOUR = 3_600_000;

export function sgt(local: string): number {
  return DateTime.fromISO(local, { zone: ZONE }).toMillis();
}

function wire(ms: number): string {
  return DateTime.fromMillis(ms, { zone: 'utc' }).toISO({ suppressMilliseconds: true })!;
}

export function shift(
  id: string,
  agentId: string,
  teamId: string,
  start: string,
  end: string,
  activities?: Shift['activities'],
): Shift {
  const s = sgt(start);
  const e = sgt(end);
  return {
    id,
    agentId,
    teamId,
    start: wire(s),
    end: wire(e),
    activities: activities ?? [{ type: 'on-queue', start: wire(s), end: wire(e) }],
    version: 1,
    week: '2026-11-22',
    updatedAt: '2026-11-20T00:00:00Z',
    updatedBy: 'test',
  };
}

export function act(type: Shift['activities'][number]['type'], start: string, end: string) {
  return { type, start: wire(sgt(start)), end: wire(sgt(end)) };
}

export function snapshot(shifts: Shift[]): ScheduleSnapshot {
  const agents = [...new Map(shifts.map((s) => [s.agentId, s.teamId])).entries()].map(([id, teamId]) => ({
    id,
    name: id,
    teamId,
    timeZone: ZONE,
  }));
  return {
    businessUnit: { id: 'bu', name: 'BU', timeZone: ZONE, weekStart: 7 },
    teams: [...new Set(shifts.map((s) => s.teamId))].map((id) => ({ id, name: id })),
    agents,
    shifts,
  };
}

export function planner(shifts: Shift[], opts: { clock?: Clock; killSwitch?: KillSwitch } = {}) {
  return new Planner({
    source: new SnapshotScheduleSource(snapshot(shifts)),
    businessUnit: { zone: ZONE, weekStart: 7 },
    ...opts,
  });
}

export function intent(
  action: Intent['action'],
  at: string,
  over: Partial<Omit<Intent, 'guardrails'>> & { guardrails?: Partial<ResolvedGuardrails> } = {},
): Intent {
  const { guardrails, ...rest } = over;
  return {
    ruleId: 'r1',
    ruleIndex: 0,
    scope: { kind: 'trunkGroup', value: 'sg-byoc' },
    eventTime: sgt(at),
    firingSince: sgt(at),
    repeat: 0,
    evidence: {
      metric: 'utilization',
      aggregate: 'avg',
      window: '5m',
      op: 'above',
      threshold: 0.85,
      value: 0.91,
    },
    forMs: 3 * MIN,
    action,
    guardrails: { ...DEFAULT_GUARDRAILS, ...guardrails },
    ...rest,
  };
}

export const extend = (maxAgents = 3): Intent['action'] => ({
  kind: 'extend',
  team: 'voice',
  byMs: 30 * MIN,
  endingWithinMs: 90 * MIN,
  maxAgents,
  order: 'ending-soonest',
});
