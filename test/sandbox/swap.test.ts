import { describe, expect, it } from 'vitest';
import type { BulkSwapResponse } from '../../src/wfm/contract.js';
import { call } from '../support/http.js';
import { sandbox } from './fixture.js';

const A = 'shift-10400-20261126'; // agent-10400, 06:00–14:00 SGT
const B = 'shift-10401-20261126'; // agent-10401, 06:15–14:15 SGT

describe('WFM sandbox: atomic bulk swaps', () => {
  it('exchanges the owners of two shifts in one step and records both with the swap id', async () => {
    const s = await sandbox();
    const r = await call<BulkSwapResponse>(`${s.baseUrl}/schedules/shifts/swaps`, {
      method: 'POST',
      body: { swaps: [{ swapId: 'sw-1', a: { shiftId: A, version: 1 }, b: { shiftId: B, version: 1 } }] },
      headers: { 'idempotency-key': 'swap-key-1' },
    });
    expect(r.status).toBe(200);
    expect(r.body.results[0]).toMatchObject({ swapId: 'sw-1', status: 'applied' });
    expect(s.sandbox.store.get(A)).toMatchObject({
      agentId: 'agent-10401',
      teamId: 'team-apac-02',
      version: 2,
    });
    expect(s.sandbox.store.get(B)).toMatchObject({
      agentId: 'agent-10400',
      teamId: 'team-apac-01',
      version: 2,
    });
    const entries = s.sandbox.ledger.since(1).entries;
    expect(entries.map((e) => [e.kind, e.swapId, e.idempotencyKey])).toEqual([
      ['swap', 'sw-1', 'swap-key-1'],
      ['swap', 'sw-1', 'swap-key-1'],
    ]);
  });

  it('never leaves a swap half applied: a stale version on one side changes neither shift', async () => {
    const s = await sandbox();
    await call(`${s.baseUrl}/schedules/shifts/${B}`, {
      method: 'PATCH',
      body: { version: 1, end: '2026-11-26T06:30:00Z' },
    });
    const r = await call<BulkSwapResponse>(`${s.baseUrl}/schedules/shifts/swaps`, {
      method: 'POST',
      body: { swaps: [{ swapId: 'sw-2', a: { shiftId: A, version: 1 }, b: { shiftId: B, version: 1 } }] },
    });
    expect(r.body.results[0]).toMatchObject({
      status: 'failed',
      error: { errorCode: 'VERSION_CONFLICT', details: { shiftId: B, currentVersion: 2 } },
    });
    expect(s.sandbox.store.get(A)).toMatchObject({ agentId: 'agent-10400', version: 1 });
    expect(s.sandbox.store.get(B)).toMatchObject({ agentId: 'agent-10401', version: 2 });
    // counted where /_sandbox/stats shows refusals, though the request itself was answered 200
    expect(s.stats.swapItemErrors).toEqual({ VERSION_CONFLICT: 1 });
    expect(s.stats.byErrorCode.VERSION_CONFLICT).toBeUndefined();
  });

  it('refuses a swap that would make an agent hold overlapping shifts, and applies the rest of the batch', async () => {
    const s = await sandbox();
    // Swapping 10400's Wednesday shift for 10401's Thursday one would give agent-10401
    // 10400's Wednesday 06:00–14:00 on top of its own Wednesday 06:15–14:15.
    const r = await call<BulkSwapResponse>(`${s.baseUrl}/schedules/shifts/swaps`, {
      method: 'POST',
      body: {
        swaps: [
          {
            swapId: 'bad',
            a: { shiftId: 'shift-10400-20261125', version: 1 },
            b: { shiftId: B, version: 1 },
          },
          {
            swapId: 'good',
            a: { shiftId: 'shift-10402-20261127', version: 1 },
            b: { shiftId: 'shift-10403-20261127', version: 1 },
          },
        ],
      },
    });
    expect(r.body.results.map((x) => [x.swapId, x.status, x.error?.errorCode])).toEqual([
      ['bad', 'failed', 'SHIFT_OVERLAP'],
      ['good', 'applied', undefined],
    ]);
    expect(s.sandbox.store.get('shift-10400-20261125')!.agentId).toBe('agent-10400');
    expect(s.sandbox.store.get(B)!.agentId).toBe('agent-10401');
  });

  it('rejects duplicate swap ids and same-agent swaps', async () => {
    const s = await sandbox();
    const dup = await call<{ errorCode: string }>(`${s.baseUrl}/schedules/shifts/swaps`, {
      method: 'POST',
      body: {
        swaps: [
          { swapId: 'x', a: { shiftId: A, version: 1 }, b: { shiftId: B, version: 1 } },
          { swapId: 'x', a: { shiftId: A, version: 1 }, b: { shiftId: B, version: 1 } },
        ],
      },
    });
    expect([dup.status, dup.body.errorCode]).toEqual([400, 'VALIDATION_ERROR']);
    const same = await call<BulkSwapResponse>(`${s.baseUrl}/schedules/shifts/swaps`, {
      method: 'POST',
      body: {
        swaps: [
          { swapId: 'y', a: { shiftId: A, version: 1 }, b: { shiftId: 'shift-10400-20261127', version: 1 } },
        ],
      },
    });
    expect(same.body.results[0]!.error!.errorCode).toBe('VALIDATION_ERROR');
  });
});
