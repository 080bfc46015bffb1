import { z } from 'zod';
import { isValidZone } from '../time/zone.js';
import { DURATION_PATTERN, parseDuration } from './duration.js';

export const Duration = z
  .string()
  .regex(DURATION_PATTERN, { message: 'must be a duration like 30s, 5m, 1h30m or 1d' })
  .refine((s) => s !== '', { message: 'must be a duration like 30s, 5m, 1h30m or 1d' })
  .meta({ id: 'Duration', description: 'A duration: digits with d, h, m, s units, e.g. 30s, 5m, 1h30m.' });

export function durationWithin(minMs: number, maxMs: number) {
  return Duration.refine(
    (s) => {
      const ms = parseDuration(s);
      return ms === null || (ms >= minMs && ms <= maxMs);
    },
    { message: `must be between ${human(minMs)} and ${human(maxMs)}` },
  );
}

function human(ms: number): string {
  if (ms === 0) return '0s';
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${ms / 1000}s`;
}

export const Id = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, {
  message: 'must be lower-case letters, digits, dots, dashes or underscores (at most 63), like apac-surge',
});

export const Zone = z
  .string()
  .refine(isValidZone, { message: 'is not an IANA time zone; use a name like Asia/Singapore' })
  .meta({ description: 'An IANA time zone name, e.g. Asia/Singapore.' });

export const Name = z.string().min(1).max(200);
export const OneOrMany = z.union([Name, z.array(Name).min(1)]);
