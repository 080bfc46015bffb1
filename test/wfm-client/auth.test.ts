import { describe, expect, it } from 'vitest';
import { WfmAuthRejectedError, WfmUnauthorizedError } from '../../src/wfm/errors.js';
import { JumpClock } from '../writer/support/jump-clock.js';
import { ManualClock } from '../writer/support/manual-clock.js';
import { client, failure, SNAPSHOT, sandbox } from './support.js';

const OAUTH = { clientId: 'trunk-reactor', clientSecret: 'sandbox-secret' };
const shift = SNAPSHOT.shifts[3]!;
const tokenCalls = (calls: Array<{ route: string }>) => calls.filter((c) => c.route === 'oauth-token').length;

describe('WFM client: authentication', () => {
  it('sends a static bearer token', async () => {
    const { sb } = await sandbox();
    const { client: c, calls } = client({ baseUrl: sb.baseUrl, token: 'sandbox-token' });
    expect((await c.getShift(shift.id)).id).toBe(shift.id);
    expect(calls.map((x) => x.route)).toEqual(['get-shift']);
  });

  it('does not loop on a 401 for a static token: one call, a clear error', async () => {
    const { sb } = await sandbox();
    const { client: c, calls } = client({ baseUrl: sb.baseUrl, token: 'revoked-token' });
    const err = await failure(c.getShift(shift.id));
    expect(err).toBeInstanceOf(WfmUnauthorizedError);
    expect(err.message).toMatch(/check the WFM token/);
    expect(calls).toHaveLength(1);
  });

  it('fetches an OAuth2 client-credentials token once and reuses it, even for many calls at once', async () => {
    const { sb } = await sandbox();
    const { client: c, calls } = client({ baseUrl: sb.baseUrl, oauth: OAUTH });
    await Promise.all(Array.from({ length: 10 }, () => c.getShift(shift.id)));
    await c.listShifts({ agentId: shift.agentId });
    expect(tokenCalls(calls)).toBe(1);
  });

  it('refreshes the token shortly before it expires, on its own clock', async () => {
    const { sb } = await sandbox({ tokenTtlSeconds: 600 });
    const clock = new JumpClock();
    const { client: c, calls } = client({ baseUrl: sb.baseUrl, oauth: OAUTH, clock });
    await c.getShift(shift.id);
    clock.advance(530_000); // 10% of 600 s before expiry is 540 s: not yet
    await c.getShift(shift.id);
    expect(tokenCalls(calls)).toBe(1);
    clock.advance(15_000);
    await c.getShift(shift.id);
    expect(tokenCalls(calls)).toBe(2);
  });

  it('on a 401 with a token it thought valid, fetches a new one and retries once', async () => {
    const { sb } = await sandbox({ tokenTtlSeconds: 1 });
    // The client's clock stands still: it believes its token is fresh; the server's real-time clock expires it.
    const { client: c, calls } = client({
      baseUrl: sb.baseUrl,
      oauth: OAUTH,
      clock: new ManualClock(Date.now()),
    });
    await c.getShift(shift.id);
    await new Promise((r) => setTimeout(r, 1_200));
    expect((await c.getShift(shift.id)).id).toBe(shift.id);
    expect(calls.map((x) => `${x.route}:${x.status}`)).toEqual([
      'oauth-token:200',
      'get-shift:200',
      'get-shift:401',
      'oauth-token:200',
      'get-shift:200',
    ]);
  });

  it('reports refused client credentials as such, without the secret', async () => {
    const { sb } = await sandbox();
    const secret = 'wrong-secret-d41d8cd98f';
    const { client: c } = client({
      baseUrl: sb.baseUrl,
      oauth: { clientId: 'trunk-reactor', clientSecret: secret },
    });
    const err = await failure(c.getShift(shift.id));
    expect(err).toBeInstanceOf(WfmAuthRejectedError);
    expect(err.message).toMatch(
      /refused the client credentials \(401\); check oauth.clientId and oauth.clientSecret/,
    );
    expect(JSON.stringify({ m: err.message, s: err.stack })).not.toContain(secret);
  });

  it('uses an explicit token URL', async () => {
    const { sb } = await sandbox();
    const { client: c, calls } = client({
      baseUrl: sb.baseUrl,
      oauth: { ...OAUTH, tokenUrl: `${sb.url}/wfm/api/v2/oauth/token` },
    });
    await c.getShift(shift.id);
    expect(tokenCalls(calls)).toBe(1);
  });
});
