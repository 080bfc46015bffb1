import type { CheckReport, Mark } from './report.js';

const SYMBOL: Record<Mark, string> = { ok: '✓', warning: '!', error: '✗', info: '·' };

/** The report as lines grouped by section, for a terminal. */
export function formatReport(r: CheckReport): string {
  const out = [`Genesys Cloud business unit ${r.businessUnitId} at ${r.apiBaseUrl} — times in ${r.timeZone}`];
  for (const s of r.sections) {
    if (s.lines.length === 0) continue;
    out.push('', s.title);
    for (const l of s.lines) out.push(`  ${SYMBOL[l.mark]} ${l.text}`);
  }
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  out.push(
    '',
    r.ok
      ? `No problem found (${plural(r.warnings, 'warning')}): the backend can work with this business unit.`
      : `${plural(r.errors, 'problem')} (✗) and ${plural(r.warnings, 'warning')} (!): the backend cannot do all of its work.`,
  );
  return out.join('\n');
}
