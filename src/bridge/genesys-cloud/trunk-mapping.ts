import type { Config } from '../../config/schema.js';

/**
 * What a Genesys trunk base is in the events: the project's trunk id (also the Kafka key), its
 * group, region, site, labels and capacity. Listed in the config by the base's id or its name
 * (the id wins when a key is both); a field an entry leaves out comes from `defaults`. The config
 * schema has already checked that every listed base ends with all of them.
 */
export interface MappedTrunk {
  trunkId: string;
  trunkGroup: string;
  region: string;
  site: string;
  labels: Readonly<Record<string, string>> | undefined;
  capacity: number;
}

type BridgeSection = NonNullable<Config['bridge']['genesysCloud']>;

export class TrunkMapping {
  readonly #byKey = new Map<string, MappedTrunk>();

  constructor(section: Pick<BridgeSection, 'trunks' | 'defaults'>) {
    const d = section.defaults;
    for (const [key, t] of Object.entries(section.trunks)) {
      const labels = t.labels ?? d.labels;
      this.#byKey.set(key, {
        trunkId: t.trunkId ?? key,
        trunkGroup: (t.trunkGroup ?? d.trunkGroup)!,
        region: (t.region ?? d.region)!,
        site: (t.site ?? d.site)!,
        labels: labels && Object.keys(labels).length > 0 ? labels : undefined,
        capacity: (t.capacity ?? d.capacity)!,
      });
    }
  }

  get size(): number {
    return this.#byKey.size;
  }

  /** The base's mapping by id, else by name; undefined when it has none. */
  resolve(base: { id: string; name: string | undefined }): MappedTrunk | undefined {
    return this.#byKey.get(base.id) ?? (base.name !== undefined ? this.#byKey.get(base.name) : undefined);
  }
}
