import { DateTime } from 'luxon';
import { toWire } from '../time/instant.js';
import { type IsoWeekday, scheduleWeekOf } from '../time/schedule-week.js';
import type { Activity, Agent, Shift } from '../wfm/contract.js';
import type { ScheduleSnapshot } from '../wfm/snapshot.js';
import { seededRandom } from './rng.js';

export interface GenerateOptions {
  agents: number;
  teams: number;
  /** the business unit's and agents' IANA zone */
  zone: string;
  /** ISO date of the first day generated (local to `zone`) */
  weekStart: string;
  days: number;
  seed?: number;
  /** ISO weekday the schedule week starts on; default 7 (Sunday), as the APAC team's WFM */
  weekStartDay?: number;
  /** share of shifts that carry a one-hour training block */
  trainingShare?: number;
}

/**
 * A plausible contact-center schedule: one 8-hour shift per agent per day, starts
 * staggered from 06:00 to 14:00 local on the 15-minute grid, with breaks, a meal and
 * sometimes training. Deterministic for a given seed.
 */
export function generateSchedule(opts: GenerateOptions): ScheduleSnapshot {
  const random = seededRandom(opts.seed ?? 1);
  const teams = Array.from({ length: opts.teams }, (_, i) => ({
    id: `team-apac-${String(i + 1).padStart(2, '0')}`,
    name: `APAC BYOC ${i + 1}`,
  }));
  const agents: Agent[] = Array.from({ length: opts.agents }, (_, i) => ({
    id: `agent-${10_400 + i}`,
    name: `Agent ${10_400 + i}`,
    teamId: teams[i % teams.length]!.id,
    timeZone: opts.zone,
  }));
  const shifts: Shift[] = [];
  const first = DateTime.fromISO(opts.weekStart, { zone: opts.zone }).startOf('day');
  const training = opts.trainingShare ?? 0.2;
  agents.forEach((agent, ai) => {
    const startSlot = ai % 33; // 06:00 + n·15 min, up to 14:00
    for (let d = 0; d < opts.days; d++) {
      const day = first.plus({ days: d });
      const start = day.set({ hour: 6, minute: 0 }).plus({ minutes: startSlot * 15 });
      const hasTraining = random() < training;
      shifts.push({
        id: `shift-${agent.id.slice(6)}-${day.toFormat('yyyyLLdd')}`,
        agentId: agent.id,
        teamId: agent.teamId,
        start: toWire(start.toMillis()),
        end: toWire(start.plus({ hours: 8 }).toMillis()),
        activities: dayActivities(start, hasTraining),
        version: 1,
        week: scheduleWeekOf(start.toMillis(), opts.zone, (opts.weekStartDay ?? 7) as IsoWeekday),
        updatedAt: toWire(first.toMillis()),
        updatedBy: 'generator',
      });
    }
  });
  return {
    businessUnit: {
      id: 'bu-apac',
      name: 'APAC BYOC',
      timeZone: opts.zone,
      weekStart: opts.weekStartDay ?? 7,
    },
    teams,
    agents,
    shifts,
  };
}

function dayActivities(start: DateTime, hasTraining: boolean): Activity[] {
  // minutes from shift start: [type, from, to]
  const blocks: Array<[Activity['type'], number, number]> = hasTraining
    ? [
        ['on-queue', 0, 120],
        ['break', 120, 135],
        ['training', 135, 195],
        ['on-queue', 195, 240],
        ['meal', 240, 270],
        ['on-queue', 270, 360],
        ['break', 360, 375],
        ['on-queue', 375, 480],
      ]
    : [
        ['on-queue', 0, 120],
        ['break', 120, 135],
        ['on-queue', 135, 240],
        ['meal', 240, 270],
        ['on-queue', 270, 360],
        ['break', 360, 375],
        ['on-queue', 375, 480],
      ];
  return blocks.map(([type, from, to]) => ({
    type,
    start: toWire(start.plus({ minutes: from }).toMillis()),
    end: toWire(start.plus({ minutes: to }).toMillis()),
  }));
}

/** The sandbox's built-in schedule: 40 Asia/Singapore agents in 2 teams, three weeks around `now`. */
export function demoSchedule(now: number): ScheduleSnapshot {
  const zone = 'Asia/Singapore';
  const local = DateTime.fromMillis(now, { zone });
  const sunday = local.startOf('day').minus({ days: local.weekday % 7 });
  return generateSchedule({
    agents: 40,
    teams: 2,
    zone,
    weekStart: sunday.minus({ weeks: 1 }).toISODate()!,
    days: 21,
    seed: 42,
  });
}
