import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Replaces one part of a page's `## ` section and leaves the rest of the page as it is: the
 * section's lead (`sub` undefined: its text before its first `### ` heading) or its `### sub`
 * subsection (up to the next `### ` or `## ` heading; appended at the section's end when
 * missing). A benchmark whose runs are recorded in parts (bench:faults: the contract runs, the
 * Genesys Cloud runs) rewrites only the part it measured.
 */
export function writeDocPart(
  file: URL,
  heading: string,
  sub: string | undefined,
  body: readonly string[],
): void {
  const lines = readFileSync(file, 'utf8').split('\n');
  let start = lines.indexOf(heading);
  if (start < 0) {
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    lines.push('', heading, '');
    start = lines.length - 2;
  }
  let end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  if (end < 0) end = lines.length;
  const firstSub = lines.findIndex((l, i) => i > start && i < end && l.startsWith('### '));
  let from: number;
  let to: number;
  let part: string[];
  if (sub === undefined) {
    from = start + 1;
    to = firstSub < 0 ? end : firstSub;
    part = ['', ...body, ''];
  } else {
    const at = lines.findIndex((l, i) => i > start && i < end && l === sub);
    from = at < 0 ? end : at;
    const next = at < 0 ? -1 : lines.findIndex((l, i) => i > at && i < end && l.startsWith('### '));
    to = at < 0 ? end : next < 0 ? end : next;
    part = [sub, '', ...body, ''];
  }
  // one blank line between what comes before the part and the part
  let keep = from;
  while (keep > start + 1 && lines[keep - 1] === '') keep--;
  const before = lines.slice(0, keep);
  const after = lines.slice(to);
  const joined = sub === undefined ? [...before, ...part, ...after] : [...before, '', ...part, ...after];
  writeFileSync(file, `${joined.join('\n').replace(/\n*$/, '')}\n`);
}
