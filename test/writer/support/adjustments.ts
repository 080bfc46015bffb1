import type {
  AdjustmentReason,
  ShiftMutation,
  ShiftUpdateAdjustment,
  SwapAdjustment,
} from '../../../src/planner/adjustment.js';
import type { Shift } from '../../../src/wfm/contract.js';
import { deriveIdempotencyKey } from '../../../src/writer/idempotency-key.js';

const reason: AdjustmentReason = {
  ruleId: 'apac-surge',
  scope: { kind: 'group', value: 'sg-byoc' },
  metric: 'utilization',
  aggregate: 'avg',
  value: 0.93,
  threshold: 0.85,
  window: '5m',
  eventTime: '2026-11-25T02:00:00Z',
  text: 'apac-surge: avg utilization 0.93 > 0.85 over 5m on group sg-byoc',
};

let serial = 0;

/** An update adjustment for `shift`, keyed as the planner would key it. */
export function update(
  shift: Pick<Shift, 'id' | 'agentId' | 'teamId'>,
  mutation: ShiftMutation,
  key?: string,
): ShiftUpdateAdjustment {
  const action =
    mutation.kind === 'set-end' ? 'extend' : mutation.kind === 'set-start' ? 'pull-forward' : 'to-on-queue';
  return {
    kind: 'update',
    key: key ?? deriveIdempotencyKey('apac-surge', `2026-11-25T02:00:00Z#${serial++}`, shift.id, action),
    ruleId: 'apac-surge',
    action,
    reason,
    createdAt: '2026-11-25T02:00:00Z',
    shiftId: shift.id,
    agentId: shift.agentId,
    teamId: shift.teamId,
    mutation,
  };
}

export function swap(
  a: Pick<Shift, 'id' | 'agentId' | 'teamId'>,
  b: Pick<Shift, 'id' | 'agentId'>,
  key?: string,
): SwapAdjustment {
  return {
    kind: 'swap',
    key:
      key ?? deriveIdempotencyKey('apac-swap', `2026-11-25T02:00:00Z#${serial++}`, `${a.id}+${b.id}`, 'swap'),
    ruleId: 'apac-swap',
    action: 'swap',
    reason: { ...reason, ruleId: 'apac-swap' },
    createdAt: '2026-11-25T02:00:00Z',
    teamId: a.teamId,
    a: { shiftId: a.id, agentId: a.agentId },
    b: { shiftId: b.id, agentId: b.agentId },
  };
}
