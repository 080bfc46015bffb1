import { z } from 'zod';
import { durationWithin } from './schema-scalars.js';

export const Guardrails = z
  .strictObject({
    maxShiftLength: durationWithin(3_600_000, 24 * 3_600_000).optional(),
    minShiftLength: durationWithin(15 * 60_000, 24 * 3_600_000).optional(),
    minRest: durationWithin(0, 48 * 3_600_000)
      .optional()
      .describe("between one shift's end and the same agent's next start"),
    maxAdjustmentsPerAgentPerDay: z
      .number()
      .int()
      .min(0)
      .max(50)
      .optional()
      .describe("counted per local day of the shift's start, in the agent's zone"),
    maxAdjustmentsPerAgentPerWeek: z
      .number()
      .int()
      .min(0)
      .max(200)
      .optional()
      .describe("counted per schedule week, in the business unit's zone"),
    maxAgentsPerTeamPerHour: z
      .number()
      .int()
      .min(0)
      .max(10_000)
      .optional()
      .describe('distinct agents changed in any 60 minutes of event time'),
    noShortenWithin: durationWithin(0, 48 * 3_600_000)
      .optional()
      .describe('never shorten a shift in progress or starting within this'),
  })
  .meta({ id: 'Guardrails', description: 'Limits the planner applies to every adjustment.' });
export type Guardrails = z.infer<typeof Guardrails>;
