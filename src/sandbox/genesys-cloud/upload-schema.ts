import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import { parseInstant } from '../../time/instant.js';

/**
 * UpdateScheduleUploadSchema, the JSON a client gzips and PUTs to the signed upload URL, with
 * the required fields of the SDK models (BuUpdateAgentScheduleUploadSchema,
 * BuUpdateAgentScheduleShift, BuAgentScheduleActivity, BuFullDayTimeOffMarker). Unknown fields
 * are ignored, as the platform's JSON readers do.
 */
const DateTimeMs = z.string().transform((s, ctx) => {
  try {
    return parseInstant(s);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

const Metadata = z.object({ version: z.number().int() });

const Activity = z.object({
  startDate: DateTimeMs,
  lengthMinutes: z.number().int(),
  description: z.string(),
  activityCodeId: z.string().min(1),
  paid: z.boolean().optional(),
  payableMinutes: z.number().int().optional(),
  timeOffRequestId: z.string().optional(),
  externalActivityId: z.string().optional(),
  externalActivityType: z.enum(['ActivityPlan', 'Coaching', 'Learning', 'Opportunity']).optional(),
});

const Shift = z.object({
  id: z.string().min(1).optional(),
  startDate: DateTimeMs.optional(),
  lengthMinutes: z.number().int().optional(),
  activities: z.array(Activity).optional(),
  manuallyEdited: z.boolean().optional(),
  schedule: z.object({ id: z.string(), weekDate: z.string().optional() }).optional(),
  workPlanId: z.object({ value: z.string().nullable() }).optional(),
  workPlanShiftId: z.object({ value: z.string().nullable() }).optional(),
  delete: z.boolean().optional(),
});

const Marker = z.object({
  businessUnitDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  lengthMinutes: z.number().int().positive(),
  description: z.string().optional(),
  activityCodeId: z.string().min(1),
  paid: z.boolean().optional(),
  payableMinutes: z.number().int().optional(),
  delete: z.boolean().optional(),
});

const AgentSchedule = z.object({
  userId: z.string().min(1),
  shifts: z.array(Shift).optional(),
  fullDayTimeOffMarkers: z.array(Marker).optional(),
  metadata: Metadata.optional(),
  delete: z.boolean().optional(),
  workPlanId: z.object({ value: z.string().nullable() }).optional(),
  workPlanIdsPerWeek: z.object({ values: z.array(z.string().nullable()) }).optional(),
});

export const UpdateScheduleUpload = z.object({
  metadata: Metadata,
  agentSchedules: z.array(AgentSchedule).optional(),
  description: z.string().optional(),
  published: z.boolean().optional(),
});
export type UpdateScheduleUpload = z.infer<typeof UpdateScheduleUpload>;
export type UploadAgentSchedule = z.infer<typeof AgentSchedule>;
export type UploadShift = z.infer<typeof Shift>;

/** The upload's bytes as the update job reads them: gzip, then JSON, then the schema; else why not. */
export function readUpload(
  bytes: Buffer,
): { ok: true; upload: UpdateScheduleUpload } | { ok: false; reason: string } {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b)
    return { ok: false, reason: 'the uploaded body is not gzip (it must be the gzip-encoded JSON)' };
  let text: string;
  try {
    text = gunzipSync(bytes).toString('utf8');
  } catch (err) {
    return { ok: false, reason: `the uploaded gzip does not decompress: ${(err as Error).message}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: `the uploaded body is not JSON: ${(err as Error).message}` };
  }
  const parsed = UpdateScheduleUpload.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    return {
      ok: false,
      reason: `the upload does not fit UpdateScheduleUploadSchema: ${i.path.join('.') || '(root)'}: ${i.message}`,
    };
  }
  return { ok: true, upload: parsed.data };
}
