import type { ScheduleSource } from '../wfm/adapter.js';
import type { Shift } from '../wfm/contract.js';

/**
 * The planner's schedule source, telling `onShifts` of every list it reads. In an instance
 * that plans and writes (`--role all`), the writer's version cache learns the versions the
 * planner has just read, so the adjustment planned from a read is written on it without
 * reading the shift again.
 */
export function sharingReads(source: ScheduleSource, onShifts: (shifts: Shift[]) => void): ScheduleSource {
  return {
    listShifts: async (query, options) => {
      const shifts = await source.listShifts(query, options);
      onShifts(shifts);
      return shifts;
    },
    listAgents: (query, options) => source.listAgents(query, options),
  };
}
