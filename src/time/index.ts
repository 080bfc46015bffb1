export { type Clock, systemClock } from './clock.js';
export { isOnGrid, snapToGrid } from './grid.js';
export {
  DAY_MS,
  HOUR_MS,
  INSTANT_PATTERN,
  InstantFormatError,
  isInstant,
  MINUTE_MS,
  parseInstant,
  toWire,
} from './instant.js';
export {
  DEFAULT_PUBLISH_WINDOW,
  nextWindowAfter,
  openWindowAt,
  type PublishWindow,
  type WindowOccurrence,
  windowsOpeningBetween,
} from './publish-window.js';
export {
  type IsoWeekday,
  scheduleWeekBounds,
  scheduleWeekOf,
  WEEKDAY_NAMES,
  weekdayFromName,
} from './schedule-week.js';
export { assertZone, isValidZone, UnknownZoneError } from './zone.js';
