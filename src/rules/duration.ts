/**
 * Durations in rules files are strings like `30s`, `5m`, `1h30m`, `2d` — never bare
 * numbers, whose unit a reader would have to guess.
 */
export const DURATION_PATTERN = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

const UNIT_MS = [86_400_000, 3_600_000, 60_000, 1_000] as const;

/** Milliseconds, or null when `text` is not a duration. */
export function parseDuration(text: string): number | null {
  if (text === '') return null;
  const m = DURATION_PATTERN.exec(text);
  if (!m) return null;
  let ms = 0;
  for (let i = 0; i < 4; i++) {
    const part = m[i + 1];
    if (part !== undefined) ms += Number(part) * UNIT_MS[i]!;
  }
  return Number.isSafeInteger(ms) ? ms : null;
}

/** The shortest spelling of a duration: 5400000 → `1h30m`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  const units = ['d', 'h', 'm', 's'];
  for (let i = 0; i < 4; i++) {
    const n = Math.floor(rest / UNIT_MS[i]!);
    if (n > 0) {
      out += `${n}${units[i]}`;
      rest -= n * UNIT_MS[i]!;
    }
  }
  return rest > 0 ? `${out}${rest}ms` : out;
}
