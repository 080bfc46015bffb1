import { describe, expect, it } from 'vitest';
import { client, failure, sandbox } from './support.js';

describe('WFM client: a read can be abandoned', () => {
  it('listShifts and listAgents stop the request in flight when their signal is aborted, and reject with its reason', async () => {
    const { sb, admin } = await sandbox();
    // far slower than the test waits: only the signal can end these requests
    await admin.faults({ latencyMs: 30_000 });
    const { client: c, calls } = client({
      baseUrl: `${sb.url}/wfm/api/v2`,
      token: 'sandbox-token',
      timeouts: { headersMs: 60_000 },
    });
    for (const read of [
      (signal: AbortSignal) => c.listShifts({ teamId: 'team-apac-01' }, { signal }),
      (signal: AbortSignal) => c.listAgents({ teamId: 'team-apac-01' }, { signal }),
    ]) {
      const abandon = new AbortController();
      const reason = new Error('the read took too long');
      const pending = read(abandon.signal);
      setTimeout(() => abandon.abort(reason), 100);
      expect(await failure(pending)).toBe(reason);
    }
    expect(calls.map((e) => [e.route, e.status, e.code])).toEqual([
      ['list-shifts', undefined, 'ABORTED'],
      ['list-agents', undefined, 'ABORTED'],
    ]);
  });
});
