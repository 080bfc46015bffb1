import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type CompiledRuleSet, compileRules } from './compile.js';
import { parseRulesText } from './load.js';
import { RulesFileError } from './rules-error.js';
import type { RulesFile } from './schema.js';

export interface RulesWatcherOptions {
  path: string;
  /** a valid new file: swap it in (e.g. `engine.replaceRules(rules)` for every partition's engine) */
  onReload: (rules: CompiledRuleSet, file: RulesFile) => void;
  /** an invalid new file: log it; the rules in force stay in force */
  onRejected: (error: RulesFileError) => void;
  /** how often the file is read, milliseconds */
  intervalMs?: number;
}

export const RULES_WATCHER_DEFAULTS = {
  /** polling rather than fs.watch: editors and config management replace files by rename, which fs.watch loses */
  intervalMs: 2_000,
} as const;

/**
 * Hot reload of a rules file. The file is re-read on an interval and compared by
 * content digest; a changed file is parsed, validated and compiled completely before
 * anything is swapped, so a running engine sees either the old rules or the new ones,
 * never a mix. An invalid file is reported once (until it changes again) and ignored.
 */
export class RulesWatcher {
  private digest: string | undefined;
  private rejectedDigest: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: RulesWatcherOptions) {}

  /** Loads the file for the first time; throws RulesFileError when it is invalid. */
  async load(): Promise<{ rules: CompiledRuleSet; file: RulesFile }> {
    const text = await this.read();
    const file = parseRulesText(text, this.options.path);
    const rules = compileRules(file);
    this.digest = digest(text);
    return { rules, file };
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      void this.check();
    }, this.options.intervalMs ?? RULES_WATCHER_DEFAULTS.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reads the file now: 'unchanged', 'reloaded' or 'rejected'. Checks never overlap. */
  check(): Promise<'unchanged' | 'reloaded' | 'rejected'> {
    const run = this.checking.then(() => this.checkNow());
    this.checking = run.catch(() => {});
    return run;
  }

  private async checkNow(): Promise<'unchanged' | 'reloaded' | 'rejected'> {
    let text: string;
    try {
      text = await this.read();
    } catch (err) {
      const e = err as RulesFileError;
      if (this.rejectedDigest !== 'unreadable') this.options.onRejected(e);
      this.rejectedDigest = 'unreadable';
      return 'rejected';
    }
    const d = digest(text);
    if (d === this.digest) return 'unchanged';
    if (d === this.rejectedDigest) return 'rejected';
    let file: RulesFile;
    let rules: CompiledRuleSet;
    try {
      file = parseRulesText(text, this.options.path);
      rules = compileRules(file);
    } catch (err) {
      this.rejectedDigest = d;
      this.options.onRejected(
        err instanceof RulesFileError
          ? err
          : new RulesFileError(
              this.options.path,
              [
                {
                  file: this.options.path,
                  line: 1,
                  column: 1,
                  ruleId: undefined,
                  path: '',
                  message: String(err),
                  fix: undefined,
                },
              ],
              { cause: err },
            ),
      );
      return 'rejected';
    }
    this.digest = d;
    this.rejectedDigest = undefined;
    this.options.onReload(rules, file);
    return 'reloaded';
  }

  private async read(): Promise<string> {
    try {
      return await readFile(this.options.path, 'utf8');
    } catch (cause) {
      const e = cause as NodeJS.ErrnoException;
      throw new RulesFileError(
        this.options.path,
        [
          {
            file: this.options.path,
            line: 1,
            column: 1,
            ruleId: undefined,
            path: '',
            message: `cannot read the file: ${e.code ?? e.message}`,
            fix: 'check the path and permissions',
          },
        ],
        { cause },
      );
    }
  }
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
