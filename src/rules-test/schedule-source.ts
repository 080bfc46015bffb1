import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DateTime } from 'luxon';
import type { BusinessUnitCalendar } from '../planner/guardrails.js';
import { toWire } from '../time/instant.js';
import { type IsoWeekday, scheduleWeekOf, weekdayFromName } from '../time/schedule-week.js';
import type { Activity, Agent, Shift } from '../wfm/contract.js';
import { ScheduleSnapshot } from '../wfm/snapshot.js';
import type { InlineSchedule } from './schema.js';
import { readTimeText, resolveTime, type TimeBase } from './test-time.js';

/** A test's schedule, as `plan --schedule` reads one, with the business unit's calendar. */
export interface TestSchedule {
  snapshot: ScheduleSnapshot;
  businessUnit: BusinessUnitCalendar;
}

/** Schedule snapshot files, read once per run. */
export class ScheduleCache {
  private readonly files = new Map<string, Promise<TestSchedule | string>>();

  /** The snapshot in `path`, or why it cannot be used. */
  file(path: string): Promise<TestSchedule | string> {
    const abs = resolve(path);
    let p = this.files.get(abs);
    if (!p) {
      p = readSnapshot(path);
      this.files.set(abs, p);
    }
    return p;
  }
}

async function readSnapshot(path: string): Promise<TestSchedule | string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    return `cannot read the schedule file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return `the schedule file ${path} is not JSON: ${(err as Error).message}`;
  }
  const r = ScheduleSnapshot.safeParse(json);
  if (!r.success) {
    const first = r.error.issues[0]!;
    return `the schedule file ${path} is not a schedule snapshot: ${first.path.join('.')}: ${first.message}`;
  }
  return {
    snapshot: r.data,
    businessUnit: {
      zone: r.data.businessUnit.timeZone,
      weekStart: r.data.businessUnit.weekStart as IsoWeekday,
    },
  };
}

/**
 * Shifts written in the test, made into a snapshot: the business unit is in the file's zone,
 * agents are those the shifts name (in that zone), and the time a shift's activities leave
 * free is on-queue. Problems come back with the index of the shift they are in.
 */
export function inlineSchedule(
  spec: InlineSchedule,
  base: TimeBase,
): TestSchedule | Array<{ shift: number; field: string; message: string; fix: string }> {
  const problems: Array<{ shift: number; field: string; message: string; fix: string }> = [];
  const weekStart = weekdayFromName(spec.weekStart);
  const shifts: Shift[] = [];
  const agents = new Map<string, Agent>();
  const ids = new Set<string>();
  spec.shifts.forEach((s, i) => {
    const at = (field: string, text: string): number | undefined => {
      const r = resolveTime(text, base);
      if ('error' in r) {
        problems.push({
          shift: i,
          field,
          message: r.error,
          fix: 'write a time like 09:00 or 2026-11-27 09:00',
        });
        return undefined;
      }
      return r.ms;
    };
    if (ids.has(s.id)) {
      problems.push({
        shift: i,
        field: 'id',
        message: `shift id '${s.id}' is used twice`,
        fix: 'give every shift its own id',
      });
      return;
    }
    ids.add(s.id);
    const start = at('start', s.start);
    let end = at('end', s.end);
    if (start === undefined || end === undefined) return;
    // a clock time at or before the start is the next day's (a night shift)
    if (end <= start && isClock(s.end)) end = nextDay(end, base.zone);
    if (end <= start) {
      problems.push({
        shift: i,
        field: 'end',
        message: 'the shift ends before it starts',
        fix: 'check the dates',
      });
      return;
    }
    const blocks: Activity[] = [];
    for (const [k, a] of (s.activities ?? []).entries()) {
      let from = at(`activities[${k}].start`, a.start);
      let to = at(`activities[${k}].end`, a.end);
      if (from === undefined || to === undefined) return;
      // clock times inside a night shift belong to the day they fall in within the shift
      if (from < start && isClock(a.start)) from = nextDay(from, base.zone);
      if (to <= from && isClock(a.end)) to = nextDay(to, base.zone);
      if (from < start || to > end) {
        problems.push({
          shift: i,
          field: `activities[${k}]`,
          message: `the ${a.type} activity is not inside the shift`,
          fix: 'an activity starts and ends within its shift',
        });
        return;
      }
      blocks.push({ type: a.type, start: toWire(from), end: toWire(to) });
    }
    blocks.sort((x, y) => x.start.localeCompare(y.start));
    const activities: Activity[] = [];
    let cursor = start;
    for (const b of blocks) {
      const from = Date.parse(b.start);
      if (from < cursor) {
        problems.push({
          shift: i,
          field: 'activities',
          message: 'two activities overlap',
          fix: 'make them follow each other',
        });
        return;
      }
      if (from > cursor) activities.push({ type: 'on-queue', start: toWire(cursor), end: b.start });
      activities.push(b);
      cursor = Date.parse(b.end);
    }
    if (cursor < end) activities.push({ type: 'on-queue', start: toWire(cursor), end: toWire(end) });
    shifts.push({
      id: s.id,
      agentId: s.agent,
      teamId: s.team,
      start: toWire(start),
      end: toWire(end),
      activities,
      version: 1,
      week: scheduleWeekOf(start, base.zone, weekStart),
      updatedAt: toWire(base.startMs),
      updatedBy: 'test',
    });
    const known = agents.get(s.agent);
    if (known && known.teamId !== s.team) {
      problems.push({
        shift: i,
        field: 'team',
        message: `agent ${s.agent} is in team ${known.teamId} in an earlier shift`,
        fix: 'an agent belongs to one team',
      });
      return;
    }
    agents.set(s.agent, { id: s.agent, name: s.agent, teamId: s.team, timeZone: base.zone });
  });
  if (problems.length > 0) return problems;
  const teams = [...new Set(shifts.map((s) => s.teamId))].map((id) => ({ id, name: id }));
  return {
    snapshot: {
      businessUnit: { id: 'bu-test', name: 'test', timeZone: base.zone, weekStart },
      teams,
      agents: [...agents.values()],
      shifts,
    },
    businessUnit: { zone: base.zone, weekStart },
  };
}

function isClock(text: string): boolean {
  return readTimeText(text)?.kind === 'clock';
}

/** The same local clock time a day later (23 or 25 hours across a DST change). */
function nextDay(ms: number, zone: string): number {
  return DateTime.fromMillis(ms, { zone }).plus({ days: 1 }).toMillis();
}
