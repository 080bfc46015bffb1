import { checkScenario, type TestResult } from './check.js';
import { prepareFile } from './prepare.js';
import { replay } from './replay.js';
import { RulesCache } from './rules-source.js';
import { ScheduleCache } from './schedule-source.js';
import type { TestFileIssue } from './test-file-error.js';

export interface FileResult {
  file: string;
  ok: boolean;
  /** why the file could not be run; its tests are then not run */
  issues: TestFileIssue[];
  tests: TestResult[];
}

export interface RunResult {
  ok: boolean;
  files: FileResult[];
  summary: {
    files: number;
    invalidFiles: number;
    tests: number;
    failedTests: number;
    expectations: number;
    failedExpectations: number;
  };
}

/**
 * Runs test files one after the other. Rules files and schedules are read once for the
 * whole run, however many test files name them.
 */
export async function runTestFiles(paths: readonly string[]): Promise<RunResult> {
  const ctx = { rules: new RulesCache(), schedules: new ScheduleCache() };
  const files: FileResult[] = [];
  for (const file of paths) {
    const prepared = await prepareFile(file, ctx);
    if (!prepared.ok) {
      files.push({ file, ok: false, issues: prepared.issues, tests: [] });
      continue;
    }
    const tests: TestResult[] = [];
    for (const s of prepared.scenarios) tests.push(checkScenario(s, await replay(s)));
    files.push({ file, ok: tests.every((t) => t.ok), issues: [], tests });
  }
  const tests = files.flatMap((f) => f.tests);
  return {
    ok: files.every((f) => f.ok),
    files,
    summary: {
      files: files.length,
      invalidFiles: files.filter((f) => f.issues.length > 0).length,
      tests: tests.length,
      failedTests: tests.filter((t) => !t.ok).length,
      expectations: tests.reduce((n, t) => n + t.expectations, 0),
      failedExpectations: tests.reduce((n, t) => n + t.failures.length, 0),
    },
  };
}
