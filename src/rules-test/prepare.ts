import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { parseDuration } from '../rules/duration.js';
import { DEFAULT_PUBLISH_WINDOW, type PublishWindow } from '../time/publish-window.js';
import type { IsoWeekday } from '../time/schedule-week.js';
import type { RulesCache } from './rules-source.js';
import type { Scenario } from './scenario.js';
import { inlineSchedule, type ScheduleCache, type TestSchedule } from './schedule-source.js';
import { RulesTestFile } from './schema.js';
import type { TestFileIssue } from './test-file-error.js';
import { TestReader } from './test-reader.js';
import { resolveStart } from './test-time.js';
import { trunkInputs } from './trunk-inputs.js';
import { type DataPath, issueAt, YamlSource } from './yaml-source.js';

export interface PrepareContext {
  rules: RulesCache;
  schedules: ScheduleCache;
}

export type Prepared = { ok: true; scenarios: Scenario[] } | { ok: false; issues: TestFileIssue[] };

/**
 * Reads a test file and turns every test into a Scenario, or lists every problem with its
 * line and what to change: the file's shape (zod), the rules and schedule it names, the
 * series (notation, values, lengths) and the expectations — unknown rule, trunk, shift or
 * agent ids, times before the start or past the series, and expectations that can never
 * match (a rule firing outside its `during`, a change its action does not make).
 */
export async function prepareFile(path: string, ctx: PrepareContext): Promise<Prepared> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    return {
      ok: false,
      issues: [issueAt(path, 1, 1, '', `cannot read the file: ${code}`, 'check the path')],
    };
  }
  const src = YamlSource.parse(text, path);
  if (Array.isArray(src)) return { ok: false, issues: src };
  const testAt = (p: DataPath): string | undefined => {
    if (p[0] !== 'tests' || typeof p[1] !== 'number') return undefined;
    const t = (src.data as { tests?: Array<{ name?: unknown }> }).tests?.[p[1]];
    return typeof t?.name === 'string' ? t.name : `tests[${p[1]}]`;
  };
  const parsed = src.validate(RulesTestFile, testAt);
  if (!parsed.ok) return { ok: false, issues: parsed.issues };
  const file = parsed.value;
  const dir = dirname(path);
  const issues: TestFileIssue[] = [];

  const rulePaths = typeof file.rules === 'string' ? [file.rules] : file.rules;
  const near = (p: string) => (isAbsolute(p) ? p : join(dir, p));
  const loaded = await ctx.rules.load(rulePaths.map(near));
  if (!loaded.ok) {
    return {
      ok: false,
      issues: loaded.problems.map((p) => src.issue(['rules'], undefined, p)),
    };
  }
  const rulesKey = rulePaths.map(near).join('\u0000');
  const publishWindow: PublishWindow | undefined =
    file.publishWindow === false
      ? undefined
      : file.publishWindow
        ? { ...file.publishWindow, dayOfWeek: file.publishWindow.dayOfWeek as IsoWeekday }
        : DEFAULT_PUBLISH_WINDOW;

  const scenarios: Scenario[] = [];
  for (const [i, test] of file.tests.entries()) {
    const at: DataPath = ['tests', i];
    const reader = new TestReader(src, test, at, file.zone, issues);
    const start = resolveStart(test.start, file.zone);
    if ('error' in start) reader.issue(['start'], start.error, 'write the start like 2026-11-27 09:00');
    const intervalText = test.interval ?? file.interval;
    const intervalMs = intervalText === undefined ? null : parseDuration(intervalText);
    if (intervalText === undefined)
      reader.issue([], 'the test has no sampling interval', 'add interval: 10s to the test or to the file');
    else if (!intervalMs)
      reader.issue(
        test.interval !== undefined ? ['interval'] : [],
        'the sampling interval must be at least 1s',
      );

    const trunks = trunkInputs(test.trunks, [...at, 'trunks'], src, test.name);
    if ('issues' in trunks) issues.push(...trunks.issues);

    const enable = test.enable ?? [];
    for (const [k, id] of enable.entries()) {
      const r = loaded.file.rules.find((x) => x.id === id);
      if (!r)
        reader.unknownRule(
          ['enable', k],
          id,
          loaded.file.rules.map((x) => x.id),
        );
      else if (r.enabled)
        reader.issue(['enable', k], `rule '${id}' is enabled already`, `remove it from enable:`);
    }
    const rules = ctx.rules.underTest(rulesKey, loaded.file, loaded.origin, enable);

    const base = 'ms' in start ? { zone: file.zone, startMs: start.ms } : undefined;
    let schedule: TestSchedule | undefined;
    const spec = test.schedule ?? file.schedule;
    const specAt: DataPath = test.schedule !== undefined ? [...at, 'schedule'] : ['schedule'];
    if (spec === undefined) {
      reader.issue(
        [],
        'the test has no schedule',
        'add schedule: (a snapshot file or shifts) to the test or the file',
      );
    } else if (typeof spec === 'string') {
      const r = await ctx.schedules.file(near(spec));
      if (typeof r === 'string')
        issues.push(src.issue(specAt, test.name, r, 'name a schedule snapshot file'));
      else schedule = r;
    } else if (base) {
      const r = inlineSchedule(spec, base);
      if (Array.isArray(r)) {
        for (const p of r)
          issues.push(src.issue([...specAt, 'shifts', p.shift, p.field], test.name, p.message, p.fix));
      } else schedule = r;
    }

    if (!base || !intervalMs || 'issues' in trunks) {
      // without a start, an interval and the series, no time can be checked; ids still can
      reader.expectations(rules, schedule, undefined);
      continue;
    }
    const end = base.startMs + trunks.samples * intervalMs;
    const span = { start: base.startMs, end, lastSample: end - intervalMs };
    const checks = reader.expectations(rules, schedule, { base, span, trunks: trunks.trunks, publishWindow });
    if (!schedule || !checks) continue;
    scenarios.push({
      file: path,
      name: test.name,
      where: reader.where([]),
      zone: file.zone,
      start: base.startMs,
      intervalMs,
      samples: trunks.samples,
      end,
      trunks: trunks.trunks,
      rules,
      schedule,
      publishWindow,
      phases: checks.phases,
      windows: checks.windows,
    });
  }
  if (issues.length > 0) {
    issues.sort((a, c) => a.line - c.line || a.column - c.column);
    return { ok: false, issues };
  }
  return { ok: true, scenarios };
}
