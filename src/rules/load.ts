import { readFile } from 'node:fs/promises';
import { type Document, isMap, isNode, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { type RuleIssue, RulesFileError } from './rules-error.js';
import { RulesFile } from './schema.js';
import { allowedKeysAt, closestKey } from './zod-walk.js';

/**
 * Reads a rules file (YAML, or JSON — YAML's parser reads both, so both get line numbers)
 * into a validated RulesFile, or throws RulesFileError listing every problem with its
 * file, line, rule id and fix. The parser only builds plain data: no custom tags, no
 * code; unknown tags are errors, not warnings.
 */
export async function loadRulesFile(path: string): Promise<RulesFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    const e = cause as NodeJS.ErrnoException;
    throw new RulesFileError(
      path,
      [issue(path, 1, 1, undefined, '', `cannot read the file: ${e.code ?? e.message}`, 'check the path')],
      { cause },
    );
  }
  return parseRulesText(text, path);
}

export function parseRulesText(text: string, file: string): RulesFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  const syntax = [...doc.errors, ...doc.warnings].map((e) => {
    const pos = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
    return issue(file, pos.line, pos.col, undefined, '', yamlMessage(e.message), yamlFix(e.code));
  });
  if (syntax.length > 0) throw new RulesFileError(file, syntax);

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (cause) {
    throw new RulesFileError(
      file,
      [
        issue(
          file,
          1,
          1,
          undefined,
          '',
          (cause as Error).message,
          'remove alias loops and deep alias chains',
        ),
      ],
      { cause },
    );
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new RulesFileError(file, [
      issue(
        file,
        1,
        1,
        undefined,
        '',
        'the file must hold a mapping with `version` and `rules`',
        'start from config/rules.apac.yaml',
      ),
    ]);
  }
  const parsed = RulesFile.safeParse(data);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.flatMap((i) => locate(i, doc, lineCounter, data, file));
  issues.sort((a, b) => a.line - b.line || a.column - b.column);
  throw new RulesFileError(file, issues, { cause: parsed.error });
}

function locate(
  zi: z.core.$ZodIssue,
  doc: Document,
  lc: LineCounter,
  data: unknown,
  file: string,
): RuleIssue[] {
  const path = zi.path as Array<string | number>;
  const ruleId = ruleIdAt(data, path);
  const fixParam = (zi as { params?: { fix?: string } }).params?.fix;
  if (zi.code === 'unrecognized_keys') {
    const allowed = allowedKeysAt(RulesFile, path) ?? [];
    return zi.keys.map((key) => {
      const { line, col } = keyPosition(doc, lc, path, key);
      const guess = closestKey(key, allowed);
      return issue(
        file,
        line,
        col,
        ruleId,
        pathString([...path, key]),
        `unknown key '${key}'${where(path)}: a misspelt key would silently change a rule, so it is an error`,
        guess ? `did you mean '${guess}'?` : `allowed here: ${allowed.join(', ')}`,
      );
    });
  }
  const { line, col } = valuePosition(doc, lc, path);
  const field = lastKey(path);
  const value = valueAt(data, path);
  let message = zi.message;
  if (zi.code === 'invalid_type' && value === undefined) message = `\`${field}\` is required`;
  else if (zi.code === 'invalid_value' || zi.code === 'invalid_type' || zi.code === 'invalid_format') {
    message = `\`${field}\` ${lowerFirst(zi.message)}, got ${show(value)}`;
  } else if (zi.code !== 'custom' && field)
    message = `\`${field}\` ${lowerFirst(zi.message)}, got ${show(value)}`;
  else if (
    zi.code === 'custom' &&
    field &&
    value !== undefined &&
    typeof value !== 'object' &&
    !zi.message.includes(String(value))
  ) {
    message = `\`${field}\` ${lowerFirst(zi.message)}, got ${show(value)}`;
  }
  return [issue(file, line, col, ruleId, pathString(path), message, fixParam ?? defaultFix(zi))];
}

function defaultFix(zi: z.core.$ZodIssue): string | undefined {
  if (zi.message.includes('duration')) return 'write a duration like 30s, 5m or 1h30m';
  if (zi.code === 'invalid_value' && 'values' in zi)
    return `use one of ${zi.values.map((v) => String(v)).join(', ')}`;
  return undefined;
}

function ruleIdAt(data: unknown, path: ReadonlyArray<string | number>): string | undefined {
  if (path[0] !== 'rules' || typeof path[1] !== 'number') return undefined;
  const rule = (data as { rules?: unknown }).rules;
  const r = Array.isArray(rule) ? (rule[path[1]] as { id?: unknown } | undefined) : undefined;
  return typeof r?.id === 'string' ? r.id : `rules[${path[1]}]`;
}

function valuePosition(doc: Document, lc: LineCounter, path: ReadonlyArray<string | number>) {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) {
      // a missing key is reported at its parent; a present one at its value
      return lc.linePos(node.range[0]);
    }
  }
  return { line: 1, col: 1 };
}

function keyPosition(doc: Document, lc: LineCounter, path: ReadonlyArray<string | number>, key: string) {
  const parent = path.length === 0 ? doc.contents : doc.getIn(path, true);
  if (isMap(parent)) {
    for (const pair of parent.items) {
      const k = pair.key;
      if (isNode(k) && k.range && String((k as { value?: unknown }).value) === key)
        return lc.linePos(k.range[0]);
    }
  }
  return valuePosition(doc, lc, path);
}

function valueAt(data: unknown, path: ReadonlyArray<string | number>): unknown {
  let v: unknown = data;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

function lastKey(path: ReadonlyArray<string | number>): string {
  for (let i = path.length - 1; i >= 0; i--) if (typeof path[i] === 'string') return path[i] as string;
  return '';
}

function where(path: ReadonlyArray<string | number>): string {
  return path.length ? ` in ${pathString(path)}` : ' at the top level';
}

export function pathString(path: ReadonlyArray<string | number>): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${seg}` : seg;
  return out;
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

function yamlMessage(m: string): string {
  return m.replace(/ at line \d+, column \d+:?[\s\S]*$/, '').trim();
}

function yamlFix(code: string): string | undefined {
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'remove or rename the second key: a later key would silently override the first';
    case 'TAG_RESOLVE_FAILED':
      return 'remove the tag: rules files hold plain data only';
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
      return 'check the indentation and quoting on this line';
    default:
      return undefined;
  }
}

function issue(
  file: string,
  line: number,
  column: number,
  ruleId: string | undefined,
  path: string,
  message: string,
  fix: string | undefined,
): RuleIssue {
  return { file, line, column, ruleId, path, message, fix };
}
