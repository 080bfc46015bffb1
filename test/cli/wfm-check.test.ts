import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CheckReport } from '../../src/cli/commands/wfm-check.js';
import { generateSchedule } from '../../src/sandbox/generate.js';
import { DEFAULT_PERMISSIONS, type GenesysSandboxOptions } from '../../src/sandbox/genesys-cloud/options.js';
import { type RunningGenesysSandbox, startGenesysSandbox } from '../../src/sandbox/genesys-cloud/server.js';
import { cli } from '../support/cli.js';

const SECRET_VAR = 'TRUNK_REACTOR_TEST_GENESYS_SECRET';
const SECRET = 'sandbox-secret';
const ROLE_VIEW = 'authorization:role:view';

/** Two rules: one acting on team-apac-01, a swap lending from team-apac-02 (the emulated org's teams). */
const RULES = `version: 1
defaults:
  zone: Asia/Singapore
rules:
  - id: surge-on-queue
    scope: { by: trunkGroup, where: { trunkGroup: sg-byoc } }
    when: { metric: utilization, aggregate: avg, window: 5m, above: 0.8, clear: 0.7 }
    for: 2m
    action:
      toOnQueue: { team: team-apac-01, within: 2h, maxAgents: 4 }
  - id: surge-swap
    scope: { by: trunkGroup, where: { trunkGroup: sg-byoc } }
    when: { metric: utilization, aggregate: avg, window: 5m, above: 0.9, clear: 0.8 }
    for: 2m
    action:
      swap: { team: team-apac-01, donorTeam: TEAM, startingWithin: 2h, laterWithin: 6h, maxPairs: 2 }
`;

const running: RunningGenesysSandbox[] = [];
const dirs: string[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  delete process.env[SECRET_VAR];
  await Promise.all(running.splice(0).map((s) => s.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The emulated org on free ports, on the real clock: its built-in schedule covers this week and the next. */
async function org(options: GenesysSandboxOptions = {}): Promise<RunningGenesysSandbox> {
  const s = await startGenesysSandbox({ port: 0, loginPort: 0, ...options });
  running.push(s);
  return s;
}

/** A config file (and its rules file) in a temp dir pointing at the emulated org; the secret comes from the environment. */
function configFor(
  s: RunningGenesysSandbox,
  o: { secret?: string; donorTeam?: string; extra?: string } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'wfm-check-'));
  dirs.push(dir);
  const rules = join(dir, 'rules.yaml');
  writeFileSync(rules, RULES.replace('TEAM', o.donorTeam ?? 'team-apac-02'));
  const file = join(dir, 'trunk-reactor.yaml');
  writeFileSync(
    file,
    `rules:
  files: [${rules}]
wfm:
  kind: genesys-cloud
  allowInsecureHttp: true
  genesysCloud:
    apiBaseUrl: ${s.apiBaseUrl}
    loginBaseUrl: ${s.loginUrl}
    businessUnitId: bu-apac
    clientId: trunk-reactor
    clientSecret: { env: ${SECRET_VAR} }
${o.extra ?? ''}`,
  );
  process.env[SECRET_VAR] = o.secret ?? SECRET;
  return file;
}

const check = (file: string, ...more: string[]) => cli(['wfm', 'check', '--config', file, ...more]);

async function setPermissions(s: RunningGenesysSandbox, permissions: string[]): Promise<void> {
  const res = await fetch(`${s.url}/_sandbox/clients/trunk-reactor`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ permissions }),
  });
  expect(res.status).toBe(200);
}

/** The lines of one section of the human report, by its title's first word(s). */
function section(out: string, title: string): string[] {
  const blocks = out.split('\n\n');
  const block = blocks.find((b) => b.startsWith(title));
  expect(block, `section ${title} in:\n${out}`).toBeDefined();
  return block!.split('\n').slice(1);
}

describe('trunk-reactor wfm check', () => {
  it('finds nothing missing on the default emulated org: every section ✓, the user topic and the unreadable permissions warnings only', async () => {
    const s = await org();
    const r = await check(configFor(s));
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).not.toMatch(/✗/);
    expect(r.out).not.toContain(SECRET);
    expect(r.out).toMatch(/times in Asia\/Singapore/);
    expect(section(r.out, 'Token')).toEqual([
      expect.stringMatching(/^ {2}✓ obtained for OAuth client trunk-reactor: lives 24 h, until .*\+08:00/),
    ]);
    expect(section(r.out, 'Business unit')).toEqual([
      '  ✓ APAC BYOC (bu-apac): time zone Asia/Singapore, weeks start on Sunday',
    ]);
    expect(section(r.out, 'Management units')).toEqual([
      '  ✓ mu-team-apac-01: 20 users',
      '  ✓ mu-team-apac-02: 20 users',
    ]);
    expect(section(r.out, 'Teams (teams-api')).toEqual([
      '  ✓ team-apac-01: 20 members',
      '  ✓ team-apac-02: 20 members',
    ]);
    const weeks = section(r.out, 'Published schedules');
    expect(weeks[0]).toMatch(
      /^ {2}✓ this week \(from Sun .*\): writes go through \S+ \(weekDate \d{4}-\d\d-\d\d, 2 weeks, version 1\)$/,
    );
    expect(weeks[1]).toMatch(/^ {2}✓ next week \(from Sun .*\): writes go through /);
    const codes = section(r.out, 'Activity codes');
    expect(codes.filter((l) => l.startsWith('  ✓'))).toHaveLength(7);
    expect(codes).toContainEqual(expect.stringMatching(/^ {2}✓ coaching → Meeting "Coaching" /));
    expect(section(r.out, 'Notifications')).toEqual([
      '  ✓ v2.workforcemanagement.businessunits.bu-apac.schedules: accepted',
      '  ✓ v2.workforcemanagement.businessunits.bu-apac.scheduling.runs: accepted',
      expect.stringMatching(
        /^ {2}! v2\.workforcemanagement\.users\.trunk-reactor\.schedules\.query: refused .*halves such a query/,
      ),
    ]);
    expect(section(r.out, 'Permissions')).toEqual([
      expect.stringMatching(
        /^ {2}! cannot read the token's permissions: GET \/api\/v2\/authorization\/roles\/\S+ answered 403 missing\.permissions; grant authorization:role:view/,
      ),
    ]);
  });

  it("reads the token's permissions when its role may be read, and a permission taken away is missing, exit 1", async () => {
    const s = await org();
    const file = configFor(s);
    await setPermissions(s, [...DEFAULT_PERMISSIONS, ROLE_VIEW]);
    const all = await check(file);
    expect(all.code, all.out).toBe(0);
    const granted = section(
      all.out,
      'Permissions (OAuth client trunk-reactor: role "trunk-reactor (sandbox role)" in home-division)',
    );
    expect(granted).toHaveLength(7);
    expect(granted.every((l) => l.startsWith('  ✓'))).toBe(true);
    expect(granted).toContain('  ✓ write agent schedules (uploadurl, update): wfm:schedule:edit');

    await setPermissions(s, [...DEFAULT_PERMISSIONS.filter((p) => p !== 'wfm:schedule:edit'), ROLE_VIEW]);
    const less = await check(file);
    expect(less.code).toBe(1);
    const lines = section(less.out, 'Permissions');
    expect(lines.filter((l) => l.startsWith('  ✗'))).toEqual([
      '  ✗ write agent schedules (uploadurl, update): missing; grant wfm:schedule:edit',
    ]);
    expect(less.out).toMatch(/1 problem \(✗\)/);
  });

  it('takes a refused user topic as a warning only (exit 0), and shows it accepted where the org allows it', async () => {
    const refused = await check(configFor(await org()));
    expect(refused.code).toBe(0);
    expect(refused.out).toMatch(
      /^ {2}! v2\.workforcemanagement\.users\.trunk-reactor\.schedules\.query: refused/m,
    );
    const allowed = await check(configFor(await org({ behaviour: { clientCredentialsUserTopics: true } })));
    expect(allowed.code).toBe(0);
    expect(allowed.out).toMatch(
      /^ {2}✓ v2\.workforcemanagement\.users\.trunk-reactor\.schedules\.query: accepted$/m,
    );
  });

  it('fails on a refused schedules topic: the backend would not hear its upload results', async () => {
    const s = await org();
    // the schedules topic needs a schedule view permission; the reads that need the same are refused too
    await setPermissions(
      s,
      DEFAULT_PERMISSIONS.filter((p) => p !== 'wfm:schedule:view' && p !== 'wfm:publishedSchedule:view'),
    );
    const r = await check(configFor(s));
    expect(r.code).toBe(1);
    expect(section(r.out, 'Notifications')[0]).toMatch(
      /^ {2}✗ v2\.workforcemanagement\.businessunits\.bu-apac\.schedules: refused .*missing one of: wfm:schedule:view, wfm:publishedSchedule:view\): upload results are not heard/,
    );
    expect(section(r.out, 'Published schedules')[0]).toMatch(/^ {2}✗ this week .*403 missing\.permissions/);
  });

  it('fails when an activity type has no code, naming the category to add', async () => {
    const s = await org();
    const saved = (await (await fetch(`${s.url}/_sandbox/state`)).json()) as {
      state: { activityCodes: Array<{ category: string; active: boolean }> };
    };
    for (const c of saved.state.activityCodes) if (c.category === 'Meal') c.active = false;
    const put = await fetch(`${s.url}/_sandbox/state`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(saved),
    });
    expect(put.status).toBe(200);
    const r = await check(configFor(s));
    expect(r.code).toBe(1);
    const errors = section(r.out, 'Activity codes').filter((l) => l.startsWith('  ✗'));
    expect(errors).toEqual([
      expect.stringMatching(
        /^ {2}✗ meal: the business unit has no active activity code for 'meal' \(category Meal/,
      ),
    ]);
  });

  it('fails when no published schedule covers this week, and warns of next week', async () => {
    const past = generateSchedule({
      agents: 4,
      teams: 2,
      zone: 'Asia/Singapore',
      weekStart: '2020-01-05',
      days: 14,
      seed: 3,
    });
    const r = await check(configFor(await org({ snapshot: past })));
    expect(r.code).toBe(1);
    const [thisWeek, nextWeek] = section(r.out, 'Published schedules');
    expect(thisWeek).toMatch(/^ {2}✗ this week \(from .*\): no published schedule covers it/);
    expect(nextWeek).toMatch(/^ {2}! next week \(from .*\): no published schedule covers it/);
  });

  it('fails on a team the rules name that the org does not have, with the status and Genesys code', async () => {
    const r = await check(configFor(await org(), { donorTeam: 'team-nowhere' }));
    expect(r.code).toBe(1);
    expect(section(r.out, 'Teams')).toEqual([
      '  ✓ team-apac-01: 20 members',
      expect.stringMatching(/^ {2}✗ team-nowhere: cannot be read: .*answered 404 not\.found/),
    ]);
  });

  it('prints one JSON object with --json: every section with its lines and data, and the exit code', async () => {
    const r = await check(configFor(await org()), '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as CheckReport;
    expect(report).toMatchObject({
      ok: true,
      exitCode: 0,
      businessUnitId: 'bu-apac',
      clientId: 'trunk-reactor',
      timeZone: 'Asia/Singapore',
      errors: 0,
      warnings: 2,
    });
    expect(report.sections.map((s) => s.id)).toEqual([
      'token',
      'business-unit',
      'management-units',
      'teams',
      'schedules',
      'activity-codes',
      'notifications',
      'permissions',
    ]);
    const data = Object.fromEntries(report.sections.map((s) => [s.id, s.data]));
    expect(data.token).toMatchObject({ clientId: 'trunk-reactor', expiresInSeconds: 86_400 });
    expect(data['business-unit']).toMatchObject({
      name: 'APAC BYOC',
      timeZone: 'Asia/Singapore',
      startDayOfWeek: 'Sunday',
    });
    expect(data['management-units']).toEqual({
      units: [
        { id: 'mu-team-apac-01', users: 20 },
        { id: 'mu-team-apac-02', users: 20 },
      ],
    });
    const weeks = (data.schedules as { weeks: Array<{ writesThrough: string | null }> }).weeks;
    expect(weeks).toHaveLength(2);
    expect(weeks.every((w) => typeof w.writesThrough === 'string')).toBe(true);
    expect((data['activity-codes'] as { types: unknown[] }).types).toHaveLength(7);
    expect((data.notifications as { topics: Array<{ state: string }> }).topics.map((t) => t.state)).toEqual([
      'Permitted',
      'Permitted',
      'Rejected',
    ]);
    expect(data.permissions).toMatchObject({
      read: false,
      error: { status: 403, code: 'missing.permissions' },
    });
    for (const s of report.sections)
      for (const l of s.lines) expect(['ok', 'warning', 'error', 'info']).toContain(l.mark);
    expect(r.out).not.toContain(SECRET);
  });

  it('refuses a wrong client secret with a clear error that does not carry the secret, exit 1', async () => {
    const wrong = 'not-the-secret-4711';
    const r = await check(configFor(await org(), { secret: wrong }));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /^ {2}✗ the login host http:\/\/127\.0\.0\.1:\d+ refused the client credentials of OAuth client 'trunk-reactor': 401 invalid_client .*check wfm\.genesysCloud\.clientId and clientSecret/m,
    );
    expect(r.out).not.toContain(wrong);
    expect(r.out).not.toMatch(/^Business unit/m);
    const json = JSON.parse(
      (await check(configFor(await org(), { secret: wrong }), '--json')).out,
    ) as CheckReport;
    expect(json.sections.map((s) => s.id)).toEqual(['token']);
    expect(json.sections[0]!.data).toMatchObject({ error: { status: 401, code: 'invalid_client' } });
    expect(JSON.stringify(json)).not.toContain(wrong);
  });

  it('answers 4 when the login host cannot be reached', async () => {
    const s = await org();
    const file = configFor(s);
    await s.close();
    running.splice(running.indexOf(s), 1);
    const r = await check(file);
    expect(r.code).toBe(4);
    expect(r.out).toMatch(/✗ the login host .* could not be reached/);
  });

  it('answers 3 for a config that names no Genesys Cloud org, and 2 for wrong arguments', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wfm-check-'));
    dirs.push(dir);
    const contract = join(dir, 'contract.yaml');
    writeFileSync(contract, 'wfm:\n  baseUrl: http://127.0.0.1:1/wfm/api/v2\n  allowInsecureHttp: true\n');
    process.env.TRUNK_REACTOR_WFM_TOKEN = 'unused-token';
    try {
      const r = await check(contract);
      expect(r.code).toBe(3);
      expect(r.err).toMatch(/wfm\.kind is contract; wfm check reads a Genesys Cloud org/);
    } finally {
      delete process.env.TRUNK_REACTOR_WFM_TOKEN;
    }
    expect((await cli(['wfm', 'check'])).code).toBe(2);
    expect((await cli(['wfm', 'inspect', '--sandbox'])).code).toBe(2);
    expect((await cli(['wfm', 'check', '--config', contract, '--sandbox'])).code).toBe(2);
  });
});
