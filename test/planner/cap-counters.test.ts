import { describe, expect, it } from 'vitest';
import { CapCounters, TEAM_CHANGES_KEPT_MS } from '../../src/planner/cap-counters.js';

const H = 3_600_000;
const T0 = Date.UTC(2026, 10, 27, 2, 0);

function change(c: CapCounters, agentId: string, at: number): void {
  c.record({ agentId, teamId: 'voice', localDate: '2026-11-27', weekStart: '2026-11-22', at });
}

describe('cap counters', () => {
  it('count the distinct agents of a team changed in the hour up to now', () => {
    const c = new CapCounters();
    change(c, 'a1', T0);
    change(c, 'a2', T0 + 0.5 * H);
    change(c, 'a1', T0 + 0.6 * H);
    expect(c.teamAgentsInHour('voice', T0 + 0.7 * H)).toEqual(new Set(['a1', 'a2']));
    expect(c.teamAgentsInHour('voice', T0 + 1.2 * H)).toEqual(new Set(['a2', 'a1']));
    expect(c.teamAgentsInHour('voice', T0 + 1.7 * H)).toEqual(new Set());
  });

  it('an intent behind in event time still sees the changes of its hour after a later one pruned', () => {
    // one planner, intents from two source partitions: one replays a backlog 3 h behind
    const c = new CapCounters();
    change(c, 'a1', T0);
    change(c, 'a2', T0 + 3 * H);
    c.prune(T0 + 3 * H); // the later intent's planning
    expect(c.teamAgentsInHour('voice', T0 + 0.5 * H)).toEqual(new Set(['a1']));
  });

  it('forget team changes once they are TEAM_CHANGES_KEPT_MS old, and round-trip through JSON', () => {
    const c = new CapCounters();
    change(c, 'a1', T0);
    change(c, 'a2', T0 + 2 * H);
    c.prune(T0 + TEAM_CHANGES_KEPT_MS + H);
    const back = CapCounters.fromJSON(JSON.parse(JSON.stringify(c.toJSON())));
    expect(back.toJSON().teamChanges).toEqual([['voice', [[T0 + 2 * H, 'a2']]]]);
    expect(back.agentDay('a1', '2026-11-27')).toBe(1);
  });
});

describe('the per-team hour cap with intents out of event-time order', () => {
  it('an intent behind in event time may not overfill an hour that later changes already counted in', async () => {
    const { checkTeamHour } = await import('../../src/planner/guardrails.js');
    const { DEFAULT_GUARDRAILS } = await import('../../src/rules/guardrail-defaults.js');
    const g = { ...DEFAULT_GUARDRAILS, maxAgentsPerTeamPerHour: 2 };
    const c = new CapCounters();
    // another source partition, ahead in event time, already changed two agents at T0 + 40 min
    change(c, 'a1', T0 + (40 / 60) * H);
    change(c, 'a2', T0 + (45 / 60) * H);
    // the hour up to T0 is empty, but the hour (T0 - 15 min, T0 + 45 min] would hold three
    expect(c.teamAgentsInHour('voice', T0).size).toBe(0);
    const refused = checkTeamHour(c, 'voice', ['a3'], T0, g, 'Asia/Singapore');
    expect(refused).toMatchObject({ guardrail: 'maxAgentsPerTeamPerHour' });
    // the hour it names is told in the business unit's zone, UTC beside it
    expect(refused?.detail).toMatch(/in the hour up to \d\d:\d\d Fri 27 Nov \+08:00 \(0\d:\d\dZ\)/);
    // an agent already counted in those hours adds nobody
    expect(checkTeamHour(c, 'voice', ['a1'], T0, g, 'Asia/Singapore')).toBeNull();
    // an hour and more before them, the change falls in no hour with theirs
    expect(checkTeamHour(c, 'voice', ['a3'], T0 - 0.5 * H, g, 'Asia/Singapore')).toBeNull();
  });
});
