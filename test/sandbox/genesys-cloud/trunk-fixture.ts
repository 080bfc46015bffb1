import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { RunningGenesysSandbox } from '../../../src/sandbox/genesys-cloud/server.js';
import { admin, api } from './fixture.js';

export const EDGES = '/api/v2/telephony/providers/edges';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

export interface ProjectEvent {
  trunkId: string;
  eventTime: string;
  activeCalls: number;
  capacity?: number;
  site?: string;
}

/** A file of trunk events (docs/events.md) in a fresh temporary directory; `extra` lines as given. */
export function eventsFile(events: ProjectEvent[], extra: string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), 'trunk-events-'));
  dirs.push(dir);
  const file = join(dir, 'events.ndjson');
  const lines = events.map((e) =>
    JSON.stringify({
      schemaVersion: 1,
      trunkId: e.trunkId,
      trunkGroup: 'sg-byoc',
      region: 'apac',
      site: e.site ?? 'sg1',
      labels: { carrier: 'singtel' },
      eventTime: e.eventTime,
      activeCalls: e.activeCalls,
      capacity: e.capacity ?? 30,
    }),
  );
  writeFileSync(file, `${[...lines, ...extra].join('\n')}\n`);
  return file;
}

/** Events for `trunks` trunks, `each` apiece, a second apart, all trunks at the same instants. */
export function regularEvents(trunks: number, each: number): ProjectEvent[] {
  const start = Date.parse('2026-11-27T09:00:00+08:00');
  const out: ProjectEvent[] = [];
  for (let k = 0; k < each; k++)
    for (let t = 1; t <= trunks; t++)
      out.push({
        trunkId: `sg-byoc-0${t}`,
        eventTime: new Date(start + k * 1000).toISOString().replace('Z', '+00:00'),
        activeCalls: (7 * t + 5 * k) % 31,
      });
  return out;
}

export interface WireTrunk {
  id: string;
  name: string;
  trunkType: string;
  state: string;
  edge: { id: string; name: string };
  trunkBase: { id: string; name: string; selfUri: string };
  selfUri: string;
}

export interface WireListing<T> {
  entities: T[];
  pageSize: number;
  pageNumber: number;
  total: number;
  pageCount: number;
  firstUri: string;
  selfUri: string;
  lastUri: string;
  nextUri?: string;
  previousUri?: string;
}

export interface WireMetrics {
  eventTime?: string;
  trunk: { id: string; name: string };
  calls?: { inboundCallCount: number; outboundCallCount: number };
  qos: { mismatchCount: number };
}

export interface Produced {
  seq: number;
  trunkId: string;
  trunkBaseId: string;
  trunkBaseName: string;
  eventTime: string;
  inboundCallCount: number;
  outboundCallCount: number;
  delivered: number;
  malformed?: string;
}

export interface TrunkState {
  scenario: { kind: string; entries: number; skipped: number; from?: string; to?: string };
  playback: { state: string; speed: number; next: number; remaining: number; position?: string };
  trunkBases: Array<{ id: string; name: string; trunkType: string; instances: Array<{ id: string }> }>;
  produced: number;
}

export async function state(s: RunningGenesysSandbox): Promise<TrunkState> {
  return (await admin<TrunkState>(s, 'GET', '/trunks/state')).body;
}

export async function produced(s: RunningGenesysSandbox, since = 1): Promise<Produced[]> {
  return (await admin<{ entries: Produced[] }>(s, 'GET', `/trunks/produced?since=${since}&limit=100000`)).body
    .entries;
}

/** The EXTERNAL trunk instances of a base, by the base's name, through the trunks listing. */
export async function instancesOf(
  s: RunningGenesysSandbox,
  accessToken: string,
  baseName: string,
): Promise<WireTrunk[]> {
  const r = await api<WireListing<WireTrunk>>(
    s,
    accessToken,
    'GET',
    `${EDGES}/trunks?trunkType=EXTERNAL&pageSize=100`,
  );
  return r.body.entities.filter((t) => t.trunkBase.name === baseName);
}

export function metricsTopic(trunkId: string): string {
  return `v2.telephony.providers.edges.trunks.${trunkId}.metrics`;
}

/** Polls the scenario's state until it is `want` (the playback runs on the sandbox's timer). */
export async function until(s: RunningGenesysSandbox, want: string, tries = 200): Promise<TrunkState> {
  for (let i = 0; i < tries; i++) {
    const st = await state(s);
    if (st.playback.state === want) return st;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`the trunk scenario never became ${want}`);
}
