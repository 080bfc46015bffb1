import { z } from 'zod';
import { parseInstant, toWire } from '../../time/instant.js';
import type { Activity, Shift } from '../contract.js';
import type { ActivityCodeTable } from './activity-codes.js';

/**
 * Genesys shifts and the project's shifts, both ways.
 *
 * A Genesys shift is `startDate` + `lengthMinutes` + activities that each carry an absolute
 * `startDate`, a length and an `activityCodeId`; the project's is `start`/`end` + activities
 * typed by kind. Reading maps each code to a type through the BU's code table. Writing keeps
 * every activity that the change did not touch exactly as it was read (its code — which may be
 * a non-default one such as "Email" —, description, pay), and gives new or changed activities
 * the type's code with an empty description. A shift read and written back unchanged is the
 * shift that was read (shift-map.property.test.ts).
 */
const DateTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO-8601 datetime');

export const GenesysActivity = z.looseObject({
  startDate: DateTime,
  lengthMinutes: z.number().int().nonnegative(),
  description: z.string().optional(),
  activityCodeId: z.string(),
  paid: z.boolean().optional(),
  payableMinutes: z.number().int().optional(),
  timeOffRequestId: z.string().optional(),
  externalActivityId: z.string().optional(),
  externalActivityType: z.string().optional(),
});
export type GenesysActivity = z.infer<typeof GenesysActivity>;

export const GenesysShift = z.looseObject({
  id: z.string().min(1),
  startDate: DateTime,
  lengthMinutes: z.number().int().positive(),
  activities: z.array(GenesysActivity).default([]),
  manuallyEdited: z.boolean().optional(),
  schedule: z.looseObject({ id: z.string(), weekDate: z.string().optional() }).optional(),
});
export type GenesysShift = z.infer<typeof GenesysShift>;

/** What an upload carries for one shift (BuUpdateAgentScheduleShift). */
export interface UploadShift {
  id?: string;
  startDate?: string;
  lengthMinutes?: number;
  activities?: UploadActivity[];
  manuallyEdited?: boolean;
  delete?: boolean;
}
export interface UploadActivity {
  startDate: string;
  lengthMinutes: number;
  description: string;
  activityCodeId: string;
  paid?: boolean;
  payableMinutes?: number;
  timeOffRequestId?: string;
  externalActivityId?: string;
  externalActivityType?: string;
}

export interface AgentWeekContext {
  agentId: string;
  teamId: string;
  /** the agent's version in the schedule: every shift of the agent carries it */
  version: number;
  /** the schedule week (first local day, BU zone) an instant falls in */
  weekOf: (ms: number) => string;
  updatedAt: string;
  updatedBy: string;
}

const MINUTE = 60_000;

export function toShift(g: GenesysShift, ctx: AgentWeekContext, codes: ActivityCodeTable): Shift {
  const start = parseInstant(g.startDate);
  return {
    id: g.id,
    agentId: ctx.agentId,
    teamId: ctx.teamId,
    start: toWire(start),
    end: toWire(start + g.lengthMinutes * MINUTE),
    activities: [...g.activities]
      .sort((a, b) => parseInstant(a.startDate) - parseInstant(b.startDate))
      .map((a) => {
        const from = parseInstant(a.startDate);
        return {
          type: codes.typeOf(a.activityCodeId),
          start: toWire(from),
          end: toWire(from + a.lengthMinutes * MINUTE),
        };
      }),
    version: ctx.version,
    week: ctx.weekOf(start),
    updatedAt: ctx.updatedAt,
    updatedBy: ctx.updatedBy,
  };
}

/** An activity as read, for sending back untouched. */
function asUpload(a: GenesysActivity): UploadActivity {
  return {
    startDate: new Date(parseInstant(a.startDate)).toISOString(),
    lengthMinutes: a.lengthMinutes,
    description: a.description ?? '',
    activityCodeId: a.activityCodeId,
    ...(a.paid !== undefined ? { paid: a.paid } : {}),
    ...(a.payableMinutes !== undefined ? { payableMinutes: a.payableMinutes } : {}),
    ...(a.timeOffRequestId !== undefined ? { timeOffRequestId: a.timeOffRequestId } : {}),
    ...(a.externalActivityId !== undefined ? { externalActivityId: a.externalActivityId } : {}),
    ...(a.externalActivityType !== undefined ? { externalActivityType: a.externalActivityType } : {}),
  };
}

/** A shift as read, sent back unchanged (an upload must carry every shift of an agent it touches). */
export function unchangedShift(g: GenesysShift): UploadShift {
  return {
    id: g.id,
    startDate: new Date(parseInstant(g.startDate)).toISOString(),
    lengthMinutes: g.lengthMinutes,
    activities: g.activities.map(asUpload),
    manuallyEdited: g.manuallyEdited ?? false,
  };
}

/**
 * The upload form of a changed shift: `target` is the project's shift after the change,
 * `original` the Genesys shift it was read as (absent for a new shift, which is sent without
 * an id). `manuallyEdited: true`, so that a reschedule run told to keep manual edits keeps it.
 */
export function changedShift(
  target: Pick<Shift, 'start' | 'end' | 'activities'>,
  original: GenesysShift | undefined,
  codes: ActivityCodeTable,
): UploadShift {
  const start = parseInstant(target.start);
  const end = parseInstant(target.end);
  const kept = new Map<string, GenesysActivity>();
  for (const a of original?.activities ?? []) {
    const from = parseInstant(a.startDate);
    kept.set(`${from}|${a.lengthMinutes}|${codes.typeOf(a.activityCodeId)}`, a);
  }
  return {
    ...(original ? { id: original.id } : {}),
    startDate: new Date(start).toISOString(),
    lengthMinutes: Math.round((end - start) / MINUTE),
    activities: target.activities.map((a: Activity) => {
      const from = parseInstant(a.start);
      const length = Math.round((parseInstant(a.end) - from) / MINUTE);
      const same = kept.get(`${from}|${length}|${a.type}`);
      return same
        ? asUpload(same)
        : {
            startDate: new Date(from).toISOString(),
            lengthMinutes: length,
            description: '',
            activityCodeId: codes.codeFor(a.type),
          };
    }),
    manuallyEdited: true,
  };
}
