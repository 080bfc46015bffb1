import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cli } from '../support/cli.js';

describe('trunk-reactor validate', () => {
  afterEach(() => vi.restoreAllMocks());

  it('passes the example rules files with exit code 0', async () => {
    const r = await cli(['validate', 'config/rules.apac.yaml']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ok {7}config\/rules.apac.yaml: 7 rules \(6 enabled\)/);
  });

  it('lists every problem with file:line:column, rule id and fix, and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'validate-'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      `version: 1
rules:
  - id: apac-surge
    scope: { by: trunkGroup }
    when: { metric: utilization, aggregate: avg, window: 5m, above: 0.85 }
    for: 5 minutes
    cooldwn: 30m
    action: { extend: { team: t, by: 30m, endingWithin: 1h, maxAgents: 3 } }
`,
    );
    const r = await cli(['validate', 'config/rules.apac.yaml', bad]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`invalid  ${bad}: 2 problems`);
    expect(r.out).toContain(
      `${bad}:6:10 rule 'apac-surge': \`for\` must be a duration like 30s, 5m, 1h30m or 1d, got '5 minutes'`,
    );
    expect(r.out).toContain(`${bad}:7:5 rule 'apac-surge': unknown key 'cooldwn'`);
    expect(r.out).toContain("did you mean 'cooldown'?");
  });

  it('prints JSON with --json', async () => {
    const r = await cli(['validate', '--json', 'config/rules.apac.yaml', 'no/such/file.yaml']);
    expect(r.code).toBe(1);
    const json = JSON.parse(r.out) as {
      files: Array<{ file: string; ok: boolean; issues: Array<{ message: string }> }>;
    };
    expect(json.files.map((f) => f.ok)).toEqual([true, false]);
    expect(json.files[1]!.issues[0]!.message).toMatch(/cannot read the file: ENOENT/);
  });

  it('treats unknown flags and a missing file name as usage errors (exit 2)', async () => {
    expect((await cli(['validate', '--strict', 'config/rules.apac.yaml'])).code).toBe(2);
    const none = await cli(['validate']);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/name at least one rules file/);
  });
});
