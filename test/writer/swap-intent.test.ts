import { describe, expect, it } from 'vitest';
import type { Shift } from '../../src/wfm/contract.js';
import { swapState } from '../../src/writer/swap-intent.js';

const shift = (id: string, agentId: string) => ({ id, agentId }) as Shift;
const plan = { a: { shiftId: 'A', agentId: 'x' }, b: { shiftId: 'B', agentId: 'y' } };

describe('swap intent', () => {
  it('is pending while both shifts are with their planned owners', () => {
    expect(swapState(plan, shift('A', 'x'), shift('B', 'y'))).toBe('pending');
  });
  it('is satisfied when the owners are exchanged', () => {
    expect(swapState(plan, shift('A', 'y'), shift('B', 'x'))).toBe('satisfied');
  });
  it('has diverged when either shift went elsewhere', () => {
    expect(swapState(plan, shift('A', 'z'), shift('B', 'y'))).toBe('diverged');
    expect(swapState(plan, shift('A', 'y'), shift('B', 'y'))).toBe('diverged');
  });
});
