import { z } from 'zod';
import { INSTANT_PATTERN, instantRefusal, isInstant } from '../time/instant.js';

/**
 * The WFM contract as zod schemas: the one source for the sandbox's validation, the
 * client's response checks and the generated OpenAPI document in schemas/.
 */
export const WFM_BASE_PATH = '/wfm/api/v2';

/** Refusals name the value, the reason and the fix (parseInstant's message); the pattern is for editors. */
export const Instant = z
  .string()
  .refine(isInstant, { error: (issue) => instantRefusal(issue.input) })
  .meta({
    id: 'Instant',
    description:
      'RFC 3339 instant with an explicit offset (Z or ±HH:MM, within ±14:00); seconds optional, fractions of any length cut to milliseconds. Servers answer in UTC (Z).',
    pattern: INSTANT_PATTERN.source,
    examples: ['2026-11-28T18:00:00Z'],
  });

export const ActivityType = z
  .enum(['on-queue', 'break', 'meal', 'training', 'meeting', 'coaching', 'off-queue'])
  .meta({ id: 'ActivityType' });
export type ActivityType = z.infer<typeof ActivityType>;

export const Activity = z
  .strictObject({ type: ActivityType, start: Instant, end: Instant })
  .meta({ id: 'Activity', description: 'A block inside a shift; activities tile the shift without gaps.' });
export type Activity = z.infer<typeof Activity>;

export const Shift = z
  .object({
    id: z.string(),
    agentId: z.string(),
    teamId: z.string(),
    start: Instant,
    end: Instant,
    activities: z.array(Activity),
    version: z.number().int().nonnegative(),
    week: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/)
      .describe("first local day of the shift's schedule week, in the business unit's zone"),
    updatedAt: Instant,
    updatedBy: z.string(),
  })
  .meta({ id: 'Shift' });
export type Shift = z.infer<typeof Shift>;

export const ShiftPatch = z
  .strictObject({
    version: z.number().int().nonnegative().describe('the version this change is based on'),
    start: Instant.optional(),
    end: Instant.optional(),
    agentId: z.string().min(1).optional(),
    activities: z.array(Activity).optional(),
  })
  .meta({
    id: 'ShiftPatch',
    description: 'Fields to change; `version` is required (optimistic concurrency).',
  });
export type ShiftPatch = z.infer<typeof ShiftPatch>;

export const ShiftPage = z
  .object({ items: z.array(Shift), nextPageToken: z.string().nullable() })
  .meta({ id: 'ShiftPage' });
export type ShiftPage = z.infer<typeof ShiftPage>;

export const Agent = z
  .object({ id: z.string(), name: z.string(), teamId: z.string(), timeZone: z.string() })
  .meta({ id: 'Agent' });
export type Agent = z.infer<typeof Agent>;

export const AgentPage = z
  .object({ items: z.array(Agent), nextPageToken: z.string().nullable() })
  .meta({ id: 'AgentPage' });

export const SwapSide = z.strictObject({
  shiftId: z.string().min(1),
  version: z.number().int().nonnegative(),
});

export const SwapItem = z
  .strictObject({ swapId: z.string().min(1), a: SwapSide, b: SwapSide })
  .meta({ id: 'SwapItem', description: 'Exchange the owners of shifts a and b, atomically.' });
export type SwapItem = z.infer<typeof SwapItem>;

export const BulkSwapRequest = z
  .strictObject({ swaps: z.array(SwapItem).min(1).max(100) })
  .meta({ id: 'BulkSwapRequest' });
export type BulkSwapRequest = z.infer<typeof BulkSwapRequest>;

export const ErrorBody = z
  .object({
    errorCode: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  })
  .meta({ id: 'Error', description: "The seed's error shape; `details` is an object on this contract." });
export type ErrorBody = z.infer<typeof ErrorBody>;

export const SwapResult = z
  .object({
    swapId: z.string(),
    status: z.enum(['applied', 'failed']),
    shifts: z.array(Shift).optional(),
    error: ErrorBody.optional(),
  })
  .meta({ id: 'SwapResult', description: 'Per-item result; a failed swap changed nothing.' });
export type SwapResult = z.infer<typeof SwapResult>;

export const BulkSwapResponse = z.object({ results: z.array(SwapResult) }).meta({ id: 'BulkSwapResponse' });
export type BulkSwapResponse = z.infer<typeof BulkSwapResponse>;

export const TokenRequest = z
  .object({
    grant_type: z.literal('client_credentials'),
    client_id: z.string().min(1),
    client_secret: z.string().min(1),
    scope: z.string().optional(),
  })
  .meta({ id: 'TokenRequest' });

export const TokenResponse = z
  .object({
    access_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int().positive(),
  })
  .meta({ id: 'TokenResponse' });
export type TokenResponse = z.infer<typeof TokenResponse>;

/** Every errorCode this contract defines, with its HTTP status. */
export const ERROR_CODES = {
  VERSION_CONFLICT: 409,
  SHIFT_OVERLAP: 409,
  SCHEDULE_LOCKED: 409,
  SCHEDULE_CONFLICT: 409,
  IDEMPOTENCY_KEY_IN_FLIGHT: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  VALIDATION_ERROR: 400,
  MALFORMED_JSON: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;
