import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCase } from './run-case.js';

/**
 * Golden cases: rules + events + schedule snapshot → the exact adjustments (and skips,
 * rejections, notes) a dry run produces. To accept a deliberate change, run
 *   UPDATE_GOLDEN=1 npx vitest run test/golden
 * and review `git diff test/golden` line by line before committing: the fixture is the
 * specification, so an unreviewed regeneration defeats it. CI refuses UPDATE_GOLDEN.
 */
const root = fileURLToPath(new URL('.', import.meta.url));
const cases = readdirSync(root, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(`${root}${d.name}/rules.yaml`))
  .map((d) => d.name);
const update = process.env.UPDATE_GOLDEN === '1';

describe('golden cases', () => {
  it('finds the cases', () => {
    expect(cases).toContain('apac');
  });

  for (const name of cases) {
    it(`${name}: the dry run produces exactly expected.json`, async () => {
      const dir = `${root}${name}`;
      const actual = JSON.parse(JSON.stringify(await runCase(dir)));
      const file = `${dir}/expected.json`;
      if (update) {
        if (process.env.CI)
          throw new Error('UPDATE_GOLDEN is refused in CI: regenerate locally and review the diff');
        writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
        // in the repository's own format, so `biome check` stays clean after an update
        execFileSync(
          fileURLToPath(new URL('../../node_modules/.bin/biome', import.meta.url)),
          ['format', '--write', file],
          {
            stdio: 'ignore',
          },
        );
        return;
      }
      if (!existsSync(file)) {
        throw new Error(`${file} is missing: run UPDATE_GOLDEN=1 npx vitest run test/golden, then review it`);
      }
      expect(actual).toEqual(JSON.parse(readFileSync(file, 'utf8')));
    });
  }
});
