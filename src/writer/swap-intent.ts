import type { SwapAdjustment } from '../planner/adjustment.js';
import type { Shift } from '../wfm/contract.js';

/**
 * Where a swap stands on the current shifts. A swap is a target state too: after it,
 * shift a belongs to b's agent and shift b to a's agent.
 * - `pending`: both shifts still with their planned owners; the swap can be sent;
 * - `satisfied`: both already exchanged (by us before a restart, or by anyone);
 * - `diverged`: anything else (one moved elsewhere): the plan no longer fits, re-plan.
 */
export type SwapState = 'pending' | 'satisfied' | 'diverged';

export function swapState(swap: Pick<SwapAdjustment, 'a' | 'b'>, a: Shift, b: Shift): SwapState {
  if (a.agentId === swap.a.agentId && b.agentId === swap.b.agentId) return 'pending';
  if (a.agentId === swap.b.agentId && b.agentId === swap.a.agentId) return 'satisfied';
  return 'diverged';
}
