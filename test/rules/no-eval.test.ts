import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** Nothing from a rules file or an event is ever run as code: no eval, no Function constructor, no vm. */
describe('no code execution', () => {
  it('the events, rules and planner sources use no eval, Function constructor or vm', () => {
    const root = fileURLToPath(new URL('../../src/', import.meta.url));
    const files: string[] = [];
    const walk = (d: string) => {
      for (const f of readdirSync(d)) {
        const p = join(d, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts')) files.push(p);
      }
    };
    for (const d of ['events', 'rules', 'planner']) walk(join(root, d));
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      expect(text, f).not.toMatch(
        /\beval\s*\(|new\s+Function\s*\(|\bFunction\s*\(|from ['"]node:vm['"]|require\(/,
      );
    }
  });
});
