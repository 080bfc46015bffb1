import { z } from 'zod';
import { Agent, Shift } from './contract.js';

/** A schedule as data: what the sandbox loads and exports, and what `plan --schedule` reads. */
export const BusinessUnit = z
  .strictObject({
    id: z.string(),
    name: z.string(),
    timeZone: z.string(),
    /** ISO weekday the schedule week starts on: 1 = Monday … 7 = Sunday */
    weekStart: z.number().int().min(1).max(7),
  })
  .meta({ id: 'BusinessUnit' });
export type BusinessUnit = z.infer<typeof BusinessUnit>;

export const Team = z.strictObject({ id: z.string(), name: z.string() }).meta({ id: 'Team' });
export type Team = z.infer<typeof Team>;

export const ScheduleSnapshot = z
  .object({
    businessUnit: BusinessUnit,
    teams: z.array(Team),
    agents: z.array(Agent),
    shifts: z.array(Shift),
  })
  .meta({ id: 'ScheduleSnapshot' });
export type ScheduleSnapshot = z.infer<typeof ScheduleSnapshot>;
