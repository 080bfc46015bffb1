import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

export { cli } from '../support/cli.js';

export const APAC_RULES = new URL('../../config/rules.apac.yaml', import.meta.url).pathname;
export const APAC_TESTS = new URL('../../config/rules.apac.test.yaml', import.meta.url).pathname;
export const APAC_SCHEDULE = new URL('../../config/demo/apac-schedule.json', import.meta.url).pathname;

const made: string[] = [];
// every test file that makes temp dirs through here has them removed when it ends
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rules-test-'));
  made.push(dir);
  return dir;
}

/** Writes `text` to `name` in `dir` and returns its path. */
export function put(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/**
 * The APAC rules tests beside a copy of the rules file (its text given) and the demo
 * schedule, in a fresh directory laid out as config/ is: the test file's relative paths hold.
 */
export function apacCopy(rulesText: string): { dir: string; testFile: string } {
  const dir = tempDir();
  put(dir, 'rules.apac.yaml', rulesText);
  const demo = join(dir, 'demo');
  mkdirSync(demo);
  put(demo, 'apac-schedule.json', readFileSync(APAC_SCHEDULE, 'utf8'));
  return { dir, testFile: put(dir, 'rules.apac.test.yaml', readFileSync(APAC_TESTS, 'utf8')) };
}

/** The 1-based line of the first line of `text` containing `marker`. */
export function lineOf(text: string, marker: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(marker));
  if (i < 0) throw new Error(`marker not found: ${marker}`);
  return i + 1;
}
