import { MockAgent } from 'undici';
import { describe, expect, it } from 'vitest';
import { WfmBadResponseError, WfmClientOptionError } from '../../src/wfm/errors.js';
import { WfmHttpClient } from '../../src/wfm/http-client.js';
import { client, failure, SNAPSHOT, sandbox } from './support.js';

const ORIGIN = 'https://wfm.example.test';
const shift = SNAPSHOT.shifts[0]!;

/** A real server cannot be made to send these, so undici's MockAgent stands in for it. */
function mocked(): { client: WfmHttpClient; pool: ReturnType<MockAgent['get']> } {
  const agent = new MockAgent();
  agent.disableNetConnect();
  return {
    client: new WfmHttpClient({ baseUrl: `${ORIGIN}/wfm/api/v2`, token: 'tkn-123456', dispatcher: agent }),
    pool: agent.get(ORIGIN),
  };
}

describe('WFM client: every answer is checked against the contract', () => {
  it('refuses a 200 that is not JSON', async () => {
    const { client: c, pool } = mocked();
    pool
      .intercept({ path: `/wfm/api/v2/schedules/shifts/${shift.id}`, method: 'GET' })
      .reply(200, '<html>maintenance</html>');
    const err = await failure(c.getShift(shift.id));
    expect(err).toBeInstanceOf(WfmBadResponseError);
    expect(err.message).toMatch(/not JSON/);
  });

  it('refuses a 200 whose shift lacks its version, naming the field', async () => {
    const { client: c, pool } = mocked();
    const { version: _v, ...noVersion } = shift;
    pool.intercept({ path: `/wfm/api/v2/schedules/shifts/${shift.id}`, method: 'GET' }).reply(200, noVersion);
    const err = await failure(c.getShift(shift.id));
    expect(err).toBeInstanceOf(WfmBadResponseError);
    expect(err.message).toMatch(/version/);
    expect(err.retriable).toBe(false);
  });

  it('refuses a shift whose instants carry no offset (the seed’s failure mode, coming back)', async () => {
    const { client: c, pool } = mocked();
    pool
      .intercept({ path: `/wfm/api/v2/schedules/shifts/${shift.id}`, method: 'GET' })
      .reply(200, { ...shift, start: '2026-11-23T06:00:00' });
    expect(await failure(c.getShift(shift.id))).toBeInstanceOf(WfmBadResponseError);
  });

  it('refuses a shift whose instants RFC 3339 refuses (hour 24, offsets past ±14:00), naming the field and the value', async () => {
    for (const [field, value] of [
      ['start', '2026-11-22T24:00+08:00'],
      ['end', '2026-11-23T14:00+24:00'],
      ['updatedAt', '2026-11-20T00:00+99:99'],
    ] as const) {
      const { client: c, pool } = mocked();
      pool
        .intercept({ path: `/wfm/api/v2/schedules/shifts/${shift.id}`, method: 'GET' })
        .reply(200, { ...shift, [field]: value });
      const err = await failure(c.getShift(shift.id));
      expect(err, field).toBeInstanceOf(WfmBadResponseError);
      expect(err.message).toContain(`${field}: ${JSON.stringify(value)} is not an instant`);
    }
  });

  it('refuses a bulk swap answer that does not give exactly one result per swap', async () => {
    const { client: c, pool } = mocked();
    pool
      .intercept({ path: '/wfm/api/v2/schedules/shifts/swaps', method: 'POST' })
      .reply(200, { results: [{ swapId: 's1', status: 'applied' }] });
    const swaps = ['s1', 's2'].map((swapId) => ({
      swapId,
      a: { shiftId: 'a', version: 1 },
      b: { shiftId: 'b', version: 1 },
    }));
    const err = await failure(c.swapShifts(swaps, { idempotencyKey: 'k' }));
    expect(err).toBeInstanceOf(WfmBadResponseError);
    expect(err.message).toMatch(/1 results for 2 swaps/);
  });

  it('refuses pagination that loops', async () => {
    const { client: c, pool } = mocked();
    pool
      .intercept({ path: (p) => p.startsWith('/wfm/api/v2/schedules/shifts?'), method: 'GET' })
      .reply(200, { items: [], nextPageToken: 'again' })
      .times(3);
    const err = await failure(c.listShifts({}));
    expect(err).toBeInstanceOf(WfmBadResponseError);
    expect(err.message).toMatch(/repeated page token/);
  });

  it('keeps the contract error body of a 4xx that is not JSON as text', async () => {
    const { client: c, pool } = mocked();
    pool
      .intercept({ path: `/wfm/api/v2/schedules/shifts/${shift.id}`, method: 'GET' })
      .reply(404, 'no such thing');
    const err = await failure(c.getShift(shift.id));
    expect(err).toMatchObject({ code: 'TR_ERR_WFM_NOT_FOUND', status: 404, details: undefined });
  });
});

describe('WFM client: pagination and filters against the sandbox', () => {
  it('follows page tokens to the end and passes filters through', async () => {
    const { sb } = await sandbox();
    const { client: c, calls } = client({ baseUrl: sb.baseUrl, token: 'sandbox-token', pageSize: 5 });
    const all = await c.listShifts({});
    expect(all).toHaveLength(SNAPSHOT.shifts.length);
    expect(new Set(all.map((s) => s.id)).size).toBe(all.length);
    expect(calls).toHaveLength(Math.ceil(SNAPSHOT.shifts.length / 5));

    const agent = await c.listShifts({ agentId: 'agent-10403' });
    expect(agent.every((s) => s.agentId === 'agent-10403')).toBe(true);
    expect(agent).toHaveLength(7);
    const monday = await c.listShifts({
      teamId: 'team-apac-01',
      from: '2026-11-23T00:00:00+08:00',
      to: '2026-11-24T00:00:00+08:00',
    });
    expect(monday.length).toBeGreaterThan(0);
    expect(monday.every((s) => s.teamId === 'team-apac-01' && s.start.startsWith('2026-11-2'))).toBe(true);
    const agents = await c.listAgents({ teamId: 'team-apac-02' });
    expect(agents.map((a) => a.teamId)).toEqual(Array(4).fill('team-apac-02'));
  });
});

describe('WFM client options', () => {
  it('checks its options one rule at a time, saying what to fix', () => {
    const make = (o: object) => () =>
      new WfmHttpClient({ baseUrl: 'https://wfm.example.test/wfm/api/v2', token: 't', ...o });
    expect(make({ baseUrl: 'wfm.example.test' })).toThrow(/baseUrl must be an absolute URL/);
    expect(make({ baseUrl: 'ftp://x/y' })).toThrow(/http or https/);
    expect(make({ oauth: { clientId: 'a', clientSecret: 'b' } })).toThrow(/exactly one of token/);
    expect(make({ token: '' })).toThrow(/token must not be empty/);
    expect(make({ timeouts: { headersMs: -1 } })).toThrow(/timeouts.headersMs must be a positive number/);
    expect(make({ connections: 1.5 })).toThrow(/connections must be a positive whole number/);
    expect(make({ baseUrl: 'https://user:pw@wfm.example.test/' })).toThrow(/must not carry credentials/);
    expect(make({ pageSize: 0 })).toThrowError(WfmClientOptionError);
    expect(make({ pageSize: 0 })).toThrow(/pageSize must be a positive whole number, got 0/);
  });
});
