import { DateTime } from 'luxon';

/**
 * A deterministic stream for the fault tests: 15 sg-byoc trunks (the golden schedule's
 * team), one sample per trunk every `stepSeconds`, from Friday 2026-11-27 09:00 SGT. The
 * load cycles surge → normal → lull, so the golden rules fire several times.
 */
export function syntheticEvents(count: number, stepSeconds = 4): string[] {
  const start = DateTime.fromISO('2026-11-27T09:00:00', { zone: 'Asia/Singapore' }).toMillis();
  const out: string[] = [];
  for (let i = 0; out.length < count; i++) {
    const t = start + i * stepSeconds * 1000;
    const minute = Math.floor((i * stepSeconds) / 60);
    const phase = minute % 50;
    const base = phase < 20 ? 0.93 : phase < 35 ? 0.6 : 0.15;
    for (let k = 1; k <= 15 && out.length < count; k++) {
      const capacity = 30;
      const wobble = ((i * 7 + k * 13) % 5) / 100;
      const activeCalls = Math.min(capacity, Math.max(0, Math.round((base + wobble) * capacity)));
      out.push(
        JSON.stringify({
          schemaVersion: 1,
          trunkId: `sg-byoc-${String(k).padStart(2, '0')}`,
          trunkGroup: 'sg-byoc',
          region: 'apac',
          site: k <= 8 ? 'sg1' : 'sg2',
          eventTime: DateTime.fromMillis(t, { zone: 'utc' }).toISO({ suppressMilliseconds: true }),
          activeCalls,
          capacity,
        }),
      );
    }
  }
  return out;
}
