import { fetch } from 'undici';
import { describe, expect, it } from 'vitest';
import {
  admin,
  api,
  type ErrorBody,
  genesys,
  type Listing,
  type ScheduleMeta,
  token,
  WFM,
} from './fixture.js';

const BU = 'bu-apac';

async function tokenRequest(url: string, init: { authorization?: string; body?: string; type?: string }) {
  const r = await fetch(`${url}/oauth/token`, {
    method: 'POST',
    headers: {
      ...(init.authorization ? { authorization: init.authorization } : {}),
      'content-type': init.type ?? 'application/x-www-form-urlencoded',
    },
    body: init.body ?? 'grant_type=client_credentials',
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe('genesys-cloud sandbox: the login host', () => {
  it('issues a bearer token for client credentials sent with HTTP Basic, which the API host accepts', async () => {
    const s = await genesys();
    const r = await tokenRequest(s.loginUrl, { authorization: basic('trunk-reactor', 'sandbox-secret') });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ token_type: 'bearer', expires_in: 86_400 });
    const bu = await api(s, r.body.access_token as string, 'GET', `${WFM}/businessunits/${BU}`);
    expect(bu.status).toBe(200);
  });

  it('refuses a wrong secret, credentials in the body instead of Basic, and another grant type', async () => {
    const s = await genesys();
    const wrong = await tokenRequest(s.loginUrl, { authorization: basic('trunk-reactor', 'nope') });
    expect([wrong.status, wrong.body.error]).toEqual([401, 'invalid_client']);
    const inBody = await tokenRequest(s.loginUrl, {
      body: 'grant_type=client_credentials&client_id=trunk-reactor&client_secret=sandbox-secret',
    });
    expect([inBody.status, inBody.body.error]).toEqual([401, 'invalid_client']);
    const grant = await tokenRequest(s.loginUrl, {
      authorization: basic('trunk-reactor', 'sandbox-secret'),
      body: 'grant_type=password',
    });
    expect([grant.status, grant.body.error]).toEqual([400, 'unsupported_grant_type']);
  });

  it('does not serve the token endpoint on the API host, nor the API on the login host', async () => {
    const s = await genesys();
    const onApi = await tokenRequest(s.apiBaseUrl, {
      authorization: basic('trunk-reactor', 'sandbox-secret'),
    });
    expect(onApi.status).not.toBe(200);
    const onLogin = await fetch(`${s.loginUrl}${WFM}/businessunits/${BU}`);
    expect(onLogin.status).toBe(404);
  });

  it('answers 401 without a token, with an unknown one, and with one past its expiry on the virtual clock', async () => {
    const s = await genesys();
    const t = await token(s);
    const none = await api<ErrorBody>(s, null, 'GET', `${WFM}/businessunits/${BU}`);
    expect([none.status, none.body.code]).toEqual([401, 'authentication.required']);
    const unknown = await api<ErrorBody>(s, 'not-a-token', 'GET', `${WFM}/businessunits/${BU}`);
    expect([unknown.status, unknown.body.code]).toEqual([401, 'bad.credentials']);
    await admin(s, 'PUT', '/clock', { advanceMs: 86_400_000 });
    const expired = await api<ErrorBody>(s, t, 'GET', `${WFM}/businessunits/${BU}`);
    expect([expired.status, expired.body.code]).toEqual([401, 'bad.credentials']);
    expect(expired.body.message).toMatch(/expired/);
    const fresh = await api(s, await token(s), 'GET', `${WFM}/businessunits/${BU}`);
    expect(fresh.status).toBe(200);
  });

  it('answers 403 missing.permissions for a route the OAuth client has no permission for', async () => {
    const s = await genesys();
    await admin(s, 'PUT', '/clients/trunk-reactor', { permissions: ['wfm:businessUnit:view'] });
    const t = await token(s);
    const r = await api<ErrorBody>(s, t, 'GET', `${WFM}/businessunits/${BU}/weeks/2026-11-22/schedules`);
    expect([r.status, r.body.code]).toEqual([403, 'missing.permissions']);
    expect(r.body.message).toMatch(/wfm:schedule:view/);
  });
});

describe('genesys-cloud sandbox: discovery reads', () => {
  it('gives the business unit settings only when expanded, with an Olson zone and a day name', async () => {
    const s = await genesys();
    const t = await token(s);
    const bare = await api<Record<string, unknown>>(s, t, 'GET', `${WFM}/businessunits/${BU}`);
    expect(bare.body.settings).toBeUndefined();
    const both = await api(
      s,
      t,
      'GET',
      `${WFM}/businessunits/${BU}?expand=settings.timeZone&expand=settings.startDayOfWeek`,
    );
    expect(both.body).toMatchObject({
      id: BU,
      settings: { timeZone: 'Asia/Singapore', startDayOfWeek: 'Sunday', metadata: { version: 1 } },
    });
    const mine = await api<ErrorBody>(s, t, 'GET', `${WFM}/businessunits/mine`);
    expect(mine.status).toBe(400);
  });

  it('lists the management units, the users of one, and a team’s members page by page', async () => {
    const s = await genesys();
    const t = await token(s);
    const mus = await api<Listing<{ id: string }>>(s, t, 'GET', `${WFM}/businessunits/${BU}/managementunits`);
    expect(mus.body.entities.map((m) => m.id)).toEqual(['mu-team-apac-01', 'mu-team-apac-02']);
    const users = await api<Listing<{ id: string }>>(
      s,
      t,
      'GET',
      `${WFM}/managementunits/mu-team-apac-01/users`,
    );
    expect(users.body.entities.map((u) => u.id)).toEqual(['agent-10400', 'agent-10402', 'agent-10404']);
    const first = await api<Listing<{ id: string }>>(
      s,
      t,
      'GET',
      '/api/v2/teams/team-apac-02/members?pageSize=2',
    );
    expect(first.body.entities.map((u) => u.id)).toEqual(['agent-10401', 'agent-10403']);
    const second = await api<Listing<{ id: string }>>(s, t, 'GET', first.body.nextUri!);
    expect(second.body.entities.map((u) => u.id)).toEqual(['agent-10405']);
    expect(second.body.nextUri).toBeUndefined();
  });

  it('has one active default activity code per category, with an empty name and an id that is not its enum position', async () => {
    const s = await genesys();
    const t = await token(s);
    type Code = { id: string; name: string; category: string; defaultCode: boolean; active: boolean };
    const r = await api<Listing<Code>>(s, t, 'GET', `${WFM}/businessunits/${BU}/activitycodes`);
    const defaults = r.body.entities.filter((c) => c.defaultCode && c.active);
    expect(defaults.map((c) => c.category).sort()).toEqual(
      [
        'Break',
        'Meal',
        'Meeting',
        'OffQueueWork',
        'OnQueueWork',
        'TimeOff',
        'Training',
        'Unavailable',
      ].sort(),
    );
    expect(defaults.every((c) => c.name === '')).toBe(true);
    expect(defaults.some((c) => /^[0-7]$/.test(c.id))).toBe(false);
    expect(r.body.entities.filter((c) => c.category === 'OnQueueWork')).toHaveLength(2);
    const byDownload = await api<Listing<Code>>(
      s,
      t,
      'GET',
      `${WFM}/businessunits/${BU}/activitycodes?forceDownloadService=true`,
    );
    const downloaded = await fetch(byDownload.body.downloadUrl!);
    expect(((await downloaded.json()) as Listing<Code>).entities).toEqual(r.body.entities);
  });

  it('gives the default codes the ids 0 to 7 in enum order when defaultCodeIds is enum-order', async () => {
    const s = await genesys({ behaviour: { defaultCodeIds: 'enum-order' } });
    const t = await token(s);
    const r = await api<Listing<{ id: string; category: string; defaultCode: boolean }>>(
      s,
      t,
      'GET',
      `${WFM}/businessunits/${BU}/activitycodes`,
    );
    expect(r.body.entities.find((c) => c.defaultCode && c.category === 'OnQueueWork')!.id).toBe('0');
    expect(r.body.entities.find((c) => c.defaultCode && c.category === 'TimeOff')!.id).toBe('5');
  });

  it('lists every schedule spanning a week, multi-week ones too, and only published ones when asked', async () => {
    const s = await genesys();
    const t = await token(s);
    const all = await api<Listing<ScheduleMeta>>(
      s,
      t,
      'GET',
      `${WFM}/businessunits/${BU}/weeks/2026-11-29/schedules`,
    );
    expect(all.body.entities.map((e) => [e.weekDate, e.weekCount, e.published])).toEqual([
      ['2026-11-29', 1, true],
      ['2026-11-29', 1, false],
    ]);
    const first = await api<Listing<ScheduleMeta>>(
      s,
      t,
      'GET',
      `${WFM}/businessunits/${BU}/weeks/2026-11-22/schedules`,
    );
    expect(first.body.entities.map((e) => [e.weekDate, e.weekCount])).toEqual([['2026-11-22', 1]]);
    const published = await api<Listing<ScheduleMeta>>(
      s,
      t,
      'GET',
      `${WFM}/businessunits/${BU}/weeks/2026-11-29/schedules?includeOnlyPublished=true`,
    );
    expect(published.body.entities.every((e) => e.published)).toBe(true);
    expect(published.body.entities).toHaveLength(1);
    expect(published.body.entities[0]!.metadata.version).toBe(1);
  });

  it('spans several weeks with one schedule when the snapshot has more weeks than two', async () => {
    const { generateSchedule } = await import('../../../src/sandbox/generate.js');
    const snapshot = generateSchedule({
      agents: 4,
      teams: 2,
      zone: 'Asia/Singapore',
      weekStart: '2026-11-22',
      days: 21,
    });
    const s = await genesys({ snapshot });
    const t = await token(s);
    const third = await api<Listing<ScheduleMeta>>(
      s,
      t,
      'GET',
      `${WFM}/businessunits/${BU}/weeks/2026-12-06/schedules?includeOnlyPublished=true`,
    );
    expect(third.body.entities.map((e) => [e.weekDate, e.weekCount])).toEqual([['2026-11-29', 2]]);
  });

  it('refuses a weekId that is not a week start, and finds a schedule only under its own weekDate', async () => {
    const s = await genesys();
    const t = await token(s);
    const wednesday = await api<ErrorBody>(
      s,
      t,
      'GET',
      `${WFM}/businessunits/${BU}/weeks/2026-11-25/schedules`,
    );
    expect([wednesday.status, wednesday.body.code]).toEqual([400, 'invalid.date']);
    expect(wednesday.body.message).toMatch(/Wednesday.*Sunday/);
    const list = await api<Listing<ScheduleMeta>>(
      s,
      t,
      'GET',
      `${WFM}/businessunits/${BU}/weeks/2026-11-22/schedules`,
    );
    const id = list.body.entities[0]!.id;
    const elsewhere = await api<ErrorBody>(
      s,
      t,
      'GET',
      `${WFM}/businessunits/${BU}/weeks/2026-11-29/schedules/${id}`,
    );
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.body.message).toMatch(/use its weekDate, 2026-11-22/);
  });

  it("lists a schedule's agents per management unit only with expand=managementUnits.agents", async () => {
    const s = await genesys();
    const t = await token(s);
    const list = await api<Listing<ScheduleMeta>>(
      s,
      t,
      'GET',
      `${WFM}/businessunits/${BU}/weeks/2026-11-22/schedules`,
    );
    const path = `${WFM}/businessunits/${BU}/weeks/2026-11-22/schedules/${list.body.entities[0]!.id}`;
    const bare = await api<ScheduleMeta>(s, t, 'GET', path);
    expect(
      bare.body.managementUnits!.map((m) => [m.managementUnit.id, m.agentCount, m.agents.length]),
    ).toEqual([
      ['mu-team-apac-01', 3, 0],
      ['mu-team-apac-02', 3, 0],
    ]);
    const expanded = await api<ScheduleMeta>(s, t, 'GET', `${path}?expand=managementUnits.agents`);
    expect(expanded.body.managementUnits![0]!.agents.map((a) => a.id)).toEqual([
      'agent-10400',
      'agent-10402',
      'agent-10404',
    ]);
  });
});
