import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

/** Every module a file names in an import, export … from, import() or require(), as written. */
function imports(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true);
  return info.importedFiles.map((f) => f.fileName);
}

/** A relative specifier as a path from the repository root; a package name as it is. */
function target(file: string, spec: string): string {
  return spec.startsWith('.') ? relative(ROOT, resolve(ROOT, dirname(file), spec)) : spec;
}

describe('module boundaries', () => {
  it('src/kafka/ (the transport) imports nothing of the rules, the planner, the writer or the application', () => {
    const files = sources('src/kafka');
    expect(files.length).toBeGreaterThan(20);
    const crossing = files.flatMap((f) =>
      imports(f)
        .map((spec) => target(f, spec))
        .filter((t) => /^src\/(rules|planner|writer|app)\//.test(t))
        .map((t) => `${f} → ${t}`),
    );
    expect(crossing).toEqual([]);
  });

  it('only the kafkajs adapter (src/kafka/kafkajs/) imports kafkajs', () => {
    const files = sources('src').filter((f) => !f.startsWith('src/kafka/kafkajs/'));
    const kafkajs = files.flatMap((f) =>
      imports(f)
        .filter((spec) => spec === 'kafkajs' || spec.startsWith('kafkajs/'))
        .map((spec) => `${f} → ${spec}`),
    );
    expect(kafkajs).toEqual([]);
  });

  it('the boundary checks see every kind of import', () => {
    // the parser the checks rely on: static, type-only, re-export, dynamic and require
    const text = `import a from 'kafkajs'; import type { B } from 'kafkajs/types';
      export { c } from '../rules/c.js'; const d = await import('../planner/d.js'); const e = require('kafkajs');`;
    const seen = ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
    expect(seen).toEqual(['kafkajs', 'kafkajs/types', '../rules/c.js', '../planner/d.js', 'kafkajs']);
  });
});
