import { resolve } from 'node:path';
import { type CompiledRule, type CompiledRuleSet, compileRules } from '../rules/compile.js';
import { loadRulesFile } from '../rules/load.js';
import { formatIssue, RulesFileError } from '../rules/rules-error.js';
import type { Rule, RulesFile } from '../rules/schema.js';

/** The rules under test: what each id is, where it is written, and whether the test runs it. */
export interface RulesUnderTest {
  compiled: CompiledRuleSet;
  /** every rule of the files, disabled ones too */
  rules: Map<string, { rule: Rule; file: string; compiled: CompiledRule | undefined }>;
}

export type RulesLoad =
  | { ok: true; file: RulesFile; origin: Map<string, string> }
  | { ok: false; problems: string[] };

/**
 * Loads rules files once per run (a hundred test files of one rules file read it once) and
 * combines several as the service combines `rules.files` (src/app/assemble.ts,
 * loadRuleFiles): every file's rules in one set, engine settings and defaults from the first.
 */
export class RulesCache {
  private readonly files = new Map<string, Promise<RulesFile | RulesFileError>>();
  private readonly compiled = new Map<string, RulesUnderTest>();

  async load(paths: readonly string[]): Promise<RulesLoad> {
    const loaded = await Promise.all(paths.map((p) => this.file(p)));
    const problems: string[] = [];
    for (const r of loaded) {
      if (r instanceof RulesFileError) {
        problems.push(...r.issues.map((x) => `the rules file does not load: ${formatIssue(x)}`));
      }
    }
    if (problems.length > 0) return { ok: false, problems };
    const files = loaded as RulesFile[];
    const origin = new Map<string, string>();
    for (const [i, f] of files.entries()) {
      for (const rule of f.rules) {
        const first = origin.get(rule.id);
        if (first !== undefined) {
          problems.push(
            `rule id '${rule.id}' is in both ${first} and ${paths[i]}: an expectation could not say which (fix: rename one; ids go into idempotency keys)`,
          );
        } else origin.set(rule.id, paths[i]!);
      }
    }
    if (problems.length > 0) return { ok: false, problems };
    const [first, ...rest] = files;
    return {
      ok: true,
      file: { ...first!, rules: [...first!.rules, ...rest.flatMap((f) => f.rules)] },
      origin,
    };
  }

  /** The combined rules with `enable` switched on, compiled (once per combination). */
  underTest(
    key: string,
    file: RulesFile,
    origin: Map<string, string>,
    enable: readonly string[],
  ): RulesUnderTest {
    const cacheKey = `${key}\u0000${[...enable].sort().join(',')}`;
    const hit = this.compiled.get(cacheKey);
    if (hit) return hit;
    const on = new Set(enable);
    const rules = file.rules.map((r) => (on.has(r.id) ? { ...r, enabled: true } : r));
    const compiled = compileRules({ ...file, rules });
    const byId = new Map(compiled.rules.map((r) => [r.id, r]));
    const out: RulesUnderTest = {
      compiled,
      rules: new Map(
        rules.map((r) => [r.id, { rule: r, file: origin.get(r.id)!, compiled: byId.get(r.id) }]),
      ),
    };
    this.compiled.set(cacheKey, out);
    return out;
  }

  private file(path: string): Promise<RulesFile | RulesFileError> {
    const abs = resolve(path);
    let p = this.files.get(abs);
    if (!p) {
      p = loadRulesFile(path).catch((err: unknown) => {
        if (err instanceof RulesFileError) return err;
        throw err;
      });
      this.files.set(abs, p);
    }
    return p;
  }
}
