/**
 * Writes the Sydney DST case's schedule.json and events.ndjson.
 * Run: npx tsx test/golden/sydney-dst/make-fixtures.ts, review, then UPDATE_GOLDEN=1 (see golden.test.ts).
 */
import { writeFileSync } from 'node:fs';
import { DateTime } from 'luxon';

const ZONE = 'Australia/Sydney';
const dir = new URL('./', import.meta.url);
const local = (iso: string) => DateTime.fromISO(iso, { zone: ZONE }).toMillis();
const wire = (ms: number) => DateTime.fromMillis(ms, { zone: 'utc' }).toISO({ suppressMilliseconds: true })!;

function shift(id: string, agentId: string, start: string, end: string) {
  const s = local(start);
  const e = local(end);
  return {
    id,
    agentId,
    teamId: 'syd-voice',
    start: wire(s),
    end: wire(e),
    activities: [{ type: 'on-queue', start: wire(s), end: wire(e) }],
    version: 1,
    week: '2026-09-28',
    updatedAt: '2026-09-25T00:00:00Z',
    updatedBy: 'publish',
  };
}

const shifts = [
  // 20:00 AEST → 04:00 AEDT: 7 real hours
  shift('n-1', 's-1', '2026-10-03T20:00', '2026-10-04T04:00'),
  // 19:00 AEST → 03:30 AEDT: 7.5 real hours; +30m = 8h, exactly the maximum
  shift('n-2', 's-2', '2026-10-03T19:00', '2026-10-04T03:30'),
  // 18:00 AEST → 03:00 AEDT: 8 real hours already; an extension would break the maximum
  shift('n-3', 's-3', '2026-10-03T18:00', '2026-10-04T03:00'),
  // ends 04:30 AEDT, next shift 13:00 AEDT: 8.5h rest, +30m would leave 8h < 10h
  shift('n-4', 's-4', '2026-10-03T21:00', '2026-10-04T04:30'),
  shift('d-4', 's-4', '2026-10-04T13:00', '2026-10-04T19:00'),
];
writeFileSync(
  new URL('schedule.json', dir),
  `${JSON.stringify(
    {
      businessUnit: { id: 'bu-anz', name: 'ANZ', timeZone: ZONE, weekStart: 1 },
      teams: [{ id: 'syd-voice', name: 'Sydney voice' }],
      agents: ['s-1', 's-2', 's-3', 's-4'].map((id) => ({
        id,
        name: id,
        teamId: 'syd-voice',
        timeZone: ZONE,
      })),
      shifts,
    },
    null,
    2,
  )}\n`,
);

// 01:00 AEST (15:00Z) to 03:40 AEDT (16:40Z): 100 real minutes, across the missing hour
const from = local('2026-10-04T01:00');
const lines: string[] = [];
for (let t = from; t < from + 100 * 60_000; t += 120_000) {
  const minutes = (t - from) / 60_000;
  const level = minutes < 15 ? 0.55 : minutes < 80 ? 0.9 : 0.5;
  for (const [i, id] of ['syd-byoc-01', 'syd-byoc-02', 'syd-byoc-03', 'syd-byoc-04'].entries()) {
    lines.push(
      JSON.stringify({
        schemaVersion: 1,
        trunkId: id,
        trunkGroup: 'syd-byoc',
        region: 'anz',
        site: 'syd1',
        eventTime: DateTime.fromMillis(t + i * 1000, { zone: ZONE }).toISO({ suppressMilliseconds: true }),
        activeCalls: Math.round((level + (i - 1.5) * 0.02) * 40),
        capacity: 40,
      }),
    );
  }
}
writeFileSync(new URL('events.ndjson', dir), `${lines.join('\n')}\n`);
process.stdout.write(`wrote ${shifts.length} shifts and ${lines.length} events\n`);
