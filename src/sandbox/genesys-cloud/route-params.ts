import { DateTime } from 'luxon';
import { GenesysError } from './genesys-error.js';
import type { GenesysWfm } from './genesys-wfm.js';
import type { GSchedule } from './model.js';

/** The business unit a path names; `mine` needs a user, which a client-credentials token has not. */
export function requireBusinessUnit(wfm: GenesysWfm, buId: string): void {
  if (buId === 'mine')
    throw new GenesysError(
      'bad.request',
      "businessUnitId 'mine' needs a user's token; a client-credentials token must name the business unit's id",
    );
  if (buId !== wfm.businessUnitId)
    throw new GenesysError('not.found', `business unit ${buId} does not exist`);
}

/** A weekId path part: a yyyy-MM-dd date that is the first day of one of the business unit's weeks. */
export function weekParam(wfm: GenesysWfm, weekId: string): string {
  const date = /^\d{4}-\d{2}-\d{2}$/.test(weekId) ? DateTime.fromISO(weekId, { zone: wfm.store.zone }) : null;
  if (!date?.isValid)
    throw new GenesysError('invalid.date', `weekId must be a date like 2026-11-22, got '${weekId}'`);
  const startDay = wfm.store.state.businessUnit.startDayOfWeek;
  if (wfm.weekOf(date.startOf('day').toMillis()) !== weekId) {
    throw new GenesysError(
      'invalid.date',
      `weekId ${weekId} is a ${date.weekdayLong}; this business unit's weeks start on ${startDay}`,
    );
  }
  return weekId;
}

/**
 * The schedule a schedule route names. Its weekId must be the schedule's own weekDate (the
 * stricter reading), or with weekIdMatch 'any-covered-week' any week the schedule spans.
 */
export function scheduleAt(wfm: GenesysWfm, buId: string, weekId: string, scheduleId: string): GSchedule {
  requireBusinessUnit(wfm, buId);
  const week = weekParam(wfm, weekId);
  const schedule = wfm.store.schedule(scheduleId);
  if (!schedule)
    throw new GenesysError('not.found', `schedule ${scheduleId} does not exist in business unit ${buId}`);
  const fits =
    wfm.behaviour.weekIdMatch === 'schedule-week'
      ? schedule.weekDate === week
      : wfm.store.weeksOf(schedule).includes(week);
  if (!fits) {
    throw new GenesysError(
      'not.found',
      `schedule ${scheduleId} is not found under week ${week}: use its weekDate, ${schedule.weekDate}`,
    );
  }
  return schedule;
}
