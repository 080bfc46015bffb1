import type { Config } from '../../config/schema.js';
import { systemClock } from '../../time/clock.js';
import type { GenesysHttp } from '../../wfm/genesys-cloud/http.js';
import { DEFAULT_REST_RETRY } from './rest-retry.js';
import { discoverTrunks } from './trunk-discovery.js';
import { TrunkMapping } from './trunk-mapping.js';
import { TrunkTopology } from './trunk-topology.js';

/**
 * `bridge genesys-cloud --check`: the org's BYOC trunk bases as the bridge would see them, each
 * with the trunk it maps to or marked unmapped, and a mapping entry to fill in for each unmapped
 * one. Reads the trunk listing only: no channel, no Kafka.
 */
export interface MappingCheck {
  bases: Array<{ id: string; name: string | undefined; instances: number; trunkId: string | undefined }>;
  unmapped: number;
  /** mapping entries that match no base of the org (a typo, or a base since removed) */
  unused: string[];
}

export async function checkMapping(
  http: Pick<GenesysHttp, 'api'>,
  section: NonNullable<Config['bridge']['genesysCloud']>,
  signal: AbortSignal,
): Promise<MappingCheck> {
  const d = await discoverTrunks(
    http,
    { ...DEFAULT_REST_RETRY, clock: systemClock, random: Math.random, signal },
    new Map(),
  );
  const topology = new TrunkTopology(new TrunkMapping(section));
  topology.apply(d.bases);
  const bases = [...d.bases.values()]
    .sort((a, b) => (a.name ?? a.id).localeCompare(b.name ?? b.id))
    .map((b) => ({
      id: b.id,
      name: b.name,
      instances: b.instances.length,
      trunkId: topology.mapped(b.id)?.trunkId,
    }));
  const keys = new Set(Object.keys(section.trunks));
  for (const b of d.bases.values()) {
    keys.delete(b.id);
    if (b.name !== undefined) keys.delete(b.name);
  }
  return { bases, unmapped: bases.filter((b) => b.trunkId === undefined).length, unused: [...keys] };
}

export function formatMappingCheck(c: MappingCheck): string {
  const lines = [`${c.bases.length} BYOC trunk bases (trunkType EXTERNAL):`];
  for (const b of c.bases)
    lines.push(
      `  ${b.trunkId !== undefined ? '✓' : '✗'} ${b.name ?? '(no name)'} [${b.id}], ${b.instances} instance${b.instances === 1 ? '' : 's'} → ${b.trunkId ?? 'unmapped: its samples would be skipped'}`,
    );
  for (const k of c.unused)
    lines.push(`  ! bridge.genesysCloud.trunks['${k}'] matches no trunk base of the org`);
  const missing = c.bases.filter((b) => b.trunkId === undefined);
  if (missing.length > 0) {
    lines.push('', 'Entries to add under bridge.genesysCloud.trunks (fill in what defaults does not give):');
    for (const b of missing) {
      const key = b.name !== undefined && /^[\w .-]+$/.test(b.name) ? b.name : b.id;
      lines.push(`  ${JSON.stringify(key)}: { trunkId: CHANGE-ME, capacity: 30 }`);
    }
  }
  return lines.join('\n');
}
