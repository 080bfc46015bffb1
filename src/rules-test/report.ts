import type { RunResult } from './run.js';
import { formatTestIssue } from './test-file-error.js';

/**
 * A run as a test runner prints it: each file, each test passed (✓) or failed (✗), and
 * under a failed one every expectation that did not hold, at its file:line, with what was
 * expected, what came, and the rule's condition and reason texts.
 */
export function renderRun(r: RunResult): string {
  const out: string[] = [];
  for (const f of r.files) {
    if (f.issues.length > 0) {
      out.push(
        `INVALID ${f.file}: ${f.issues.length} problem${f.issues.length === 1 ? '' : 's'}, nothing run`,
      );
      for (const i of f.issues) out.push(`  ${formatTestIssue(i)}`);
      continue;
    }
    out.push(`${f.ok ? 'PASS' : 'FAIL'} ${f.file}`);
    for (const t of f.tests) {
      const n = t.expectations;
      if (t.ok) {
        out.push(`  ✓ ${t.name} (${n} expectation${n === 1 ? '' : 's'})`);
        continue;
      }
      out.push(`  ✗ ${t.name} (${t.failures.length} of ${n} expectation${n === 1 ? '' : 's'} failed)`);
      for (const x of t.failures) {
        out.push(`    ${t.file}:${x.line}:${x.column} ${x.title}`);
        out.push(`      expected  ${x.expected}`);
        out.push(...labelled('got', x.got), ...labelled('reason', x.reason));
      }
    }
  }
  const s = r.summary;
  const parts = [
    `${s.tests - s.failedTests} of ${s.tests} test${s.tests === 1 ? '' : 's'} passed`,
    `${s.expectations - s.failedExpectations} of ${s.expectations} expectation${s.expectations === 1 ? '' : 's'} held`,
    `${s.files} file${s.files === 1 ? '' : 's'}${s.invalidFiles > 0 ? ` (${s.invalidFiles} invalid)` : ''}`,
  ];
  out.push('', `${r.ok ? 'PASS' : 'FAIL'} ${parts.join(' · ')}`);
  return `${out.join('\n')}\n`;
}

/** Lines under a label: the first beside it, the rest aligned below. */
function labelled(label: string, lines: readonly string[]): string[] {
  return lines.map((l, i) => `      ${(i === 0 ? label : '').padEnd(10)}${l}`);
}
