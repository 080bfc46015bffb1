/**
 * Writes the APAC scenario's schedule.json and events.ndjson (deterministic: fixed seed).
 * Run: npx tsx test/golden/apac/make-fixtures.ts — then review the diff and regenerate
 * expected.json with UPDATE_GOLDEN=1 (see test/golden/golden.test.ts).
 *
 * The story, in Asia/Singapore time: Friday 2026-11-27 a surge 09:00–10:40 and a lull
 * 14:00–16:00 on the 15 sg-byoc trunks; Sunday 2026-11-29 a night surge around 02:00,
 * inside the weekly publish window (Sunday 02:00–02:30 SGT = Saturday 18:00 UTC).
 */
import { writeFileSync } from 'node:fs';
import { DateTime } from 'luxon';

const ZONE = 'Asia/Singapore';
const dir = new URL('./', import.meta.url);

function sgt(iso: string): number {
  return DateTime.fromISO(iso, { zone: ZONE }).toMillis();
}
function wire(ms: number): string {
  return DateTime.fromMillis(ms, { zone: 'utc' }).toISO({ suppressMilliseconds: true })!;
}

let seed = 20261127;
function rand(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

// ---- schedule ----------------------------------------------------------------
type Act = { type: string; start: string; end: string };
function activities(start: number, end: number, extra: Array<[string, string, string]> = []): Act[] {
  const marks: Array<[number, number, string]> = [];
  const len = end - start;
  const brk = start + Math.round(len / 4 / 900_000) * 900_000;
  const meal = start + Math.round(len / 2 / 900_000) * 900_000;
  const extras: Array<[number, number, string]> = extra.map(([type, s, e]) => [sgt(s), sgt(e), type]);
  // a break or meal that would collide with a training/meeting block moves to just after it
  const place = (at: number, len: number): number => {
    for (const [s, e] of extras) if (at < e && s < at + len) return place(e, len);
    return at;
  };
  const b = place(brk, 900_000);
  const m = place(meal, 1_800_000);
  marks.push([b, b + 900_000, 'break'], [m, m + 1_800_000, 'meal'], ...extras);
  marks.sort((a, b) => a[0] - b[0]);
  const out: Act[] = [];
  let cursor = start;
  for (const [s, e, type] of marks) {
    if (s > cursor) out.push({ type: 'on-queue', start: wire(cursor), end: wire(s) });
    out.push({ type, start: wire(s), end: wire(e) });
    cursor = e;
  }
  if (cursor < end) out.push({ type: 'on-queue', start: wire(cursor), end: wire(end) });
  return out;
}

const shifts: unknown[] = [];
function shift(
  id: string,
  agentId: string,
  teamId: string,
  start: string,
  end: string,
  extra: Array<[string, string, string]> = [],
) {
  const s = sgt(start);
  const e = sgt(end);
  const week = DateTime.fromMillis(s, { zone: ZONE });
  const weekStart = week.minus({ days: week.weekday % 7 }).toISODate();
  shifts.push({
    id,
    agentId,
    teamId,
    start: wire(s),
    end: wire(e),
    activities: activities(s, e, extra),
    version: 3,
    week: weekStart,
    updatedAt: '2026-11-20T02:00:00Z',
    updatedBy: 'publish',
  });
}

const F = '2026-11-27';
const S = '2026-11-28';
const U = '2026-11-29';
// Friday, sg-voice
shift('sh-101-fri', 'a-101', 'sg-voice', `${F}T01:15`, `${F}T09:15`);
shift('sh-113-fri', 'a-113', 'sg-voice', `${F}T00:30`, `${F}T10:15`);
shift('sh-102-fri', 'a-102', 'sg-voice', `${F}T02:00`, `${F}T10:00`);
shift('sh-103-fri', 'a-103', 'sg-voice', `${F}T02:30`, `${F}T10:30`);
shift('sh-114-fri', 'a-114', 'sg-voice', `${F}T02:30`, `${F}T10:30`);
shift('sh-114-fri-eve', 'a-114', 'sg-voice', `${F}T20:30`, `${S}T00:30`);
shift('sh-110-fri', 'a-110', 'sg-voice', `${F}T02:45`, `${F}T10:45`);
shift('sh-104-fri', 'a-104', 'sg-voice', `${F}T04:00`, `${F}T11:30`);
shift('sh-105-fri', 'a-105', 'sg-voice', `${F}T06:00`, `${F}T14:00`, [
  ['training', `${F}T10:00`, `${F}T11:00`],
]);
shift('sh-106-fri', 'a-106', 'sg-voice', `${F}T07:00`, `${F}T15:00`, [
  ['meeting', `${F}T10:30`, `${F}T11:00`],
]);
shift('sh-107-fri', 'a-107', 'sg-voice', `${F}T08:00`, `${F}T16:00`, [
  ['coaching', `${F}T09:00`, `${F}T09:30`],
]);
shift('sh-108-fri', 'a-108', 'sg-voice', `${F}T11:00`, `${F}T19:00`);
shift('sh-109-fri', 'a-109', 'sg-voice', `${F}T14:00`, `${F}T22:00`);
shift('sh-115-fri', 'a-115', 'sg-voice', `${F}T15:00`, `${F}T23:00`);
shift('sh-111-fri', 'a-111', 'sg-voice', `${F}T16:00`, `${S}T00:00`);
shift('sh-112-fri', 'a-112', 'sg-voice', `${F}T17:00`, `${S}T01:00`);
// Friday, sg-flex (donors)
shift('sh-202-fri', 'a-202', 'sg-flex', `${F}T09:00`, `${F}T17:00`);
shift('sh-201-fri', 'a-201', 'sg-flex', `${F}T10:00`, `${F}T18:00`);
shift('sh-204-fri', 'a-204', 'sg-flex', `${F}T10:30`, `${F}T18:30`);
shift('sh-203-fri', 'a-203', 'sg-flex', `${F}T12:00`, `${F}T20:00`);
shift('sh-201-sat', 'a-201', 'sg-flex', `${S}T08:00`, `${S}T16:00`);
// Saturday night into Sunday, sg-voice
shift('sh-117-sat', 'a-117', 'sg-voice', `${S}T19:30`, `${U}T03:30`);
shift('sh-118-sat', 'a-118', 'sg-voice', `${S}T19:00`, `${U}T03:00`);
// Sunday morning: starts on Sunday local = Saturday by UTC date (the week-boundary case)
shift('sh-110-sun', 'a-110', 'sg-voice', `${U}T03:00`, `${U}T11:00`);
shift('sh-116-sun', 'a-116', 'sg-voice', `${U}T03:30`, `${U}T11:30`);
shift('sh-119-sun', 'a-119', 'sg-voice', `${U}T07:00`, `${U}T15:00`);

const agentIds = [
  ...new Set((shifts as Array<{ agentId: string; teamId: string }>).map((s) => `${s.teamId}/${s.agentId}`)),
].sort();
const schedule = {
  businessUnit: { id: 'bu-apac', name: 'APAC', timeZone: ZONE, weekStart: 7 },
  teams: [
    { id: 'sg-voice', name: 'Singapore voice' },
    { id: 'sg-flex', name: 'Singapore flex / back office' },
  ],
  agents: agentIds.map((x) => {
    const [teamId, id] = x.split('/') as [string, string];
    return { id, name: `Agent ${id.slice(2)}`, teamId, timeZone: ZONE };
  }),
  shifts,
};
writeFileSync(new URL('schedule.json', dir), `${JSON.stringify(schedule, null, 2)}\n`);

// ---- events ------------------------------------------------------------------
const TRUNKS = Array.from({ length: 15 }, (_, i) => {
  const n = String(i + 1).padStart(2, '0');
  return { id: `sg-byoc-${n}`, site: i < 8 ? 'sg1' : 'sg2', carrier: i % 3 === 0 ? 'starhub' : 'singtel' };
});
const CAPACITY = 30;

/** piecewise-linear utilization profile: [[sgt time, level], …] */
function profile(points: Array<[string, number]>) {
  const pts = points.map(([t, v]) => [sgt(t), v] as const);
  return (ms: number): number => {
    if (ms <= pts[0]![0]) return pts[0]![1];
    for (let i = 1; i < pts.length; i++) {
      const [t1, v1] = pts[i]!;
      const [t0, v0] = pts[i - 1]!;
      if (ms <= t1) return v0 + ((v1 - v0) * (ms - t0)) / (t1 - t0);
    }
    return pts[pts.length - 1]![1];
  };
}

const spans: Array<{ from: string; to: string; level: (ms: number) => number }> = [
  {
    from: `${F}T09:00`,
    to: `${F}T11:00`,
    level: profile([
      [`${F}T09:00`, 0.62],
      [`${F}T09:20`, 0.93],
      [`${F}T10:20`, 0.94],
      [`${F}T10:40`, 0.6],
      [`${F}T11:00`, 0.58],
    ]),
  },
  {
    from: `${F}T14:00`,
    to: `${F}T16:00`,
    level: profile([
      [`${F}T14:00`, 0.32],
      [`${F}T14:15`, 0.16],
      [`${F}T15:40`, 0.15],
      [`${F}T16:00`, 0.36],
    ]),
  },
  {
    from: `${U}T01:30`,
    to: `${U}T02:50`,
    level: profile([
      [`${U}T01:30`, 0.55],
      [`${U}T01:50`, 0.6],
      [`${U}T02:02`, 0.93],
      [`${U}T02:35`, 0.92],
      [`${U}T02:50`, 0.6],
    ]),
  },
];

const STEP_MS = 120_000;
const lines: string[] = [];
for (const span of spans) {
  for (let t = sgt(span.from); t < sgt(span.to); t += STEP_MS) {
    for (const trunk of TRUNKS) {
      // each trunk samples a few seconds apart, as real exporters do
      const at = t + (TRUNKS.indexOf(trunk) % 5) * 1000;
      const u = Math.min(1, Math.max(0, span.level(at) + (rand() - 0.5) * 0.06));
      lines.push(
        JSON.stringify({
          schemaVersion: 1,
          trunkId: trunk.id,
          trunkGroup: 'sg-byoc',
          region: 'apac',
          site: trunk.site,
          labels: { carrier: trunk.carrier },
          eventTime: DateTime.fromMillis(at, { zone: ZONE }).toISO({ suppressMilliseconds: true }),
          activeCalls: Math.round(u * CAPACITY),
          capacity: CAPACITY,
        }),
      );
    }
  }
}
// the stream's imperfections: an offset-less timestamp (the seed's bug), a redelivered
// sample, and one that arrives five minutes late
const bad = JSON.parse(lines[40]!) as Record<string, unknown>;
bad.eventTime = '2026-11-27T09:04:00';
lines.splice(41, 0, JSON.stringify(bad));
lines.splice(120, 0, lines[119]!);
const late = JSON.parse(lines[300]!) as Record<string, unknown>;
lines.splice(600, 0, JSON.stringify(late));
writeFileSync(new URL('events.ndjson', dir), `${lines.join('\n')}\n`);
process.stdout.write(`wrote ${shifts.length} shifts and ${lines.length} events\n`);
