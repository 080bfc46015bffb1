import { type Document, isMap, isNode, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { pathString } from '../rules/load.js';
import { allowedKeysAt, closestKey } from '../rules/zod-walk.js';
import type { TestFileIssue } from './test-file-error.js';

export type DataPath = ReadonlyArray<string | number>;

/**
 * A YAML document that remembers where everything came from, so that problems found after
 * parsing (a series too short, a time past the end) are reported at their line as well as
 * those zod finds. Parsed as rules files are (src/rules/load.ts): strict YAML, duplicate
 * keys refused, no custom tags, plain data only.
 */
export class YamlSource {
  private constructor(
    readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
    readonly data: unknown,
  ) {}

  /** Parses `text`; the syntax errors instead when it is not YAML. */
  static parse(text: string, file: string): YamlSource | TestFileIssue[] {
    const lines = new LineCounter();
    const doc = parseDocument(text, {
      lineCounter: lines,
      uniqueKeys: true,
      prettyErrors: false,
      strict: true,
    });
    const syntax = [...doc.errors, ...doc.warnings].map((e) => {
      const pos = e.linePos?.[0] ?? lines.linePos(e.pos[0]);
      return {
        file,
        line: pos.line,
        column: pos.col,
        test: undefined,
        path: '',
        message: e.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '').trim(),
        fix: e.code === 'DUPLICATE_KEY' ? 'remove or rename the second key' : undefined,
      };
    });
    if (syntax.length > 0) return syntax;
    let data: unknown;
    try {
      data = doc.toJS({ maxAliasCount: 100 });
    } catch (cause) {
      return [issueAt(file, 1, 1, '', (cause as Error).message, 'remove alias loops and deep alias chains')];
    }
    return new YamlSource(file, doc, lines, data);
  }

  /** Where the value at `path` starts; a missing one is reported at the nearest parent that exists. */
  position(path: DataPath): { line: number; column: number } {
    for (let n = path.length; n >= 0; n--) {
      const node = this.doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) {
        const p = this.lines.linePos(node.range[0]);
        return { line: p.line, column: p.col };
      }
    }
    return { line: 1, column: 1 };
  }

  /** Where the key `key` of the mapping at `path` is written. */
  keyPosition(path: DataPath, key: string): { line: number; column: number } {
    const parent = path.length === 0 ? this.doc.contents : this.doc.getIn(path, true);
    if (isMap(parent)) {
      for (const pair of parent.items) {
        const k = pair.key;
        if (isNode(k) && k.range && String((k as { value?: unknown }).value) === key) {
          const p = this.lines.linePos(k.range[0]);
          return { line: p.line, column: p.col };
        }
      }
    }
    return this.position(path);
  }

  /** An issue at the value at `path`. */
  issue(path: DataPath, test: string | undefined, message: string, fix?: string): TestFileIssue {
    const { line, column } = this.position(path);
    return { file: this.file, line, column, test, path: pathString(path), message, fix };
  }

  /** The data as `schema` reads it, or every problem zod finds, located. */
  validate<S extends z.ZodType>(
    schema: S,
    testAt: (path: DataPath) => string | undefined,
  ): { ok: true; value: z.infer<S> } | { ok: false; issues: TestFileIssue[] } {
    const r = schema.safeParse(this.data);
    if (r.success) return { ok: true, value: r.data };
    const issues = r.error.issues.flatMap((i) => this.locate(schema, i, [], testAt));
    issues.sort((a, b) => a.line - b.line || a.column - b.column);
    return { ok: false, issues };
  }

  private locate(
    root: z.ZodType,
    zi: z.core.$ZodIssue,
    prefix: DataPath,
    testAt: (path: DataPath) => string | undefined,
  ): TestFileIssue[] {
    const path = [...prefix, ...(zi.path as Array<string | number>)];
    const test = testAt(path);
    const fixParam = (zi as { params?: { fix?: string } }).params?.fix;
    if (zi.code === 'invalid_union') {
      // the branch the value was meant for: the one that did not fail on the value's type itself
      const branches = zi.errors.filter(
        (b) => !b.every((x) => x.code === 'invalid_type' && x.path.length === 0),
      );
      if (branches.length === 1) return branches[0]!.flatMap((x) => this.locate(root, x, path, testAt));
    }
    if (zi.code === 'unrecognized_keys') {
      const allowed = allowedKeysAt(root, path) ?? [];
      return zi.keys.map((key) => {
        const { line, column } = this.keyPosition(path, key);
        const guess = closestKey(key, allowed);
        return {
          file: this.file,
          line,
          column,
          test,
          path: pathString([...path, key]),
          message: `unknown key '${key}'${path.length ? ` in ${pathString(path)}` : ' at the top level'}: a misspelt key would silently change a test, so it is an error`,
          fix: guess
            ? `did you mean '${guess}'?`
            : allowed.length
              ? `allowed here: ${allowed.join(', ')}`
              : undefined,
        };
      });
    }
    const field = lastKey(path);
    const value = valueAt(this.data, path);
    let message = zi.message;
    if (zi.code === 'invalid_type' && value === undefined) message = `\`${field}\` is required`;
    else if (zi.code !== 'custom' && field)
      message = `\`${field}\` ${lowerFirst(zi.message)}, got ${show(value)}`;
    let fix = fixParam;
    if (fix === undefined && zi.code === 'invalid_value' && 'values' in zi)
      fix = `use one of ${zi.values.map((v) => String(v)).join(', ')}`;
    if (fix === undefined && zi.message.includes('duration')) fix = 'write a duration like 10s, 5m or 1h30m';
    return [this.issue(path, test, message, fix)];
  }
}

export function issueAt(
  file: string,
  line: number,
  column: number,
  path: string,
  message: string,
  fix?: string,
): TestFileIssue {
  return { file, line, column, test: undefined, path, message, fix };
}

function valueAt(data: unknown, path: DataPath): unknown {
  let v: unknown = data;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

function lastKey(path: DataPath): string {
  for (let i = path.length - 1; i >= 0; i--) if (typeof path[i] === 'string') return path[i] as string;
  return '';
}

function show(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}
