import { z } from 'zod';
import { ActivityType, Instant } from '../wfm/contract.js';

/**
 * Adjustments are target states, not deltas: "this shift must end at 18:30Z", never
 * "add 30 minutes". A target state can be re-applied to a fresh copy of the shift after
 * a version conflict, and recognised as already true after a crash — a delta cannot.
 */
export const ShiftMutation = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('set-end'), end: Instant }),
  z.strictObject({ kind: z.literal('set-start'), start: Instant }),
  z.strictObject({
    kind: z.literal('activities-to-on-queue'),
    from: Instant,
    to: Instant,
    types: z.array(ActivityType).min(1),
  }),
]);
export type ShiftMutation = z.infer<typeof ShiftMutation>;

export const AdjustmentReason = z.strictObject({
  ruleId: z.string(),
  scope: z.strictObject({ kind: z.string(), value: z.string() }),
  metric: z.string(),
  aggregate: z.string(),
  value: z.number(),
  threshold: z.number(),
  window: z.string(),
  eventTime: Instant,
  /**
   * one sentence for people, its times in the business unit's zone with UTC beside them:
   * "apac-surge: avg utilization 0.93 > 0.85 over 5m on trunkGroup sg-byoc at 02:06 Sun 29 Nov
   * +08:00 (18:06Z) → extend shift … by 30m: end 03:00 → 03:30 Sun 29 Nov +08:00 (19:00Z → 19:30Z)"
   */
  text: z.string(),
});
export type AdjustmentReason = z.infer<typeof AdjustmentReason>;

const common = {
  /** deterministic idempotency key: same events → same key, reused on every retry */
  key: z.string().min(1).max(255),
  ruleId: z.string(),
  action: z.enum(['extend', 'shorten', 'to-on-queue', 'swap', 'pull-forward']),
  reason: AdjustmentReason,
  /** event time of the trigger */
  createdAt: Instant,
};

export const ShiftUpdateAdjustment = z.strictObject({
  kind: z.literal('update'),
  ...common,
  shiftId: z.string(),
  agentId: z.string(),
  teamId: z.string(),
  mutation: ShiftMutation,
});
export type ShiftUpdateAdjustment = z.infer<typeof ShiftUpdateAdjustment>;

/**
 * One side of a swap. `start` and `end` are the shift's bounds as planned: a WFM that carries a
 * shift to its new owner by re-creating it under a new id (Genesys Cloud) is checked by owner
 * and time, which the ids alone cannot tell after a restart.
 */
const SwapSide = z.strictObject({
  shiftId: z.string(),
  agentId: z.string(),
  start: Instant.optional(),
  end: Instant.optional(),
});

export const SwapAdjustment = z.strictObject({
  kind: z.literal('swap'),
  ...common,
  teamId: z.string(),
  /** after the swap, shift a belongs to b.agentId and shift b to a.agentId */
  a: SwapSide,
  b: SwapSide,
});
export type SwapAdjustment = z.infer<typeof SwapAdjustment>;

export const Adjustment = z.discriminatedUnion('kind', [ShiftUpdateAdjustment, SwapAdjustment]);
export type Adjustment = z.infer<typeof Adjustment>;
