import type { TrunkBaseView } from './trunk-discovery.js';
import type { MappedTrunk, TrunkMapping } from './trunk-mapping.js';

/**
 * The trunks the bridge follows: each discovered trunk base, its instances, and what it maps to.
 * `apply` takes a fresh discovery and says what changed, so the bridge subscribes the instances
 * that came, drops those that went, and reports each unmapped base once. Two bases that map to
 * the same trunk id would interleave their samples under one key; the first (by base id) keeps
 * it and the other is treated as unmapped, reported once.
 */
export interface TopologyChange {
  addedInstances: string[];
  removedInstances: string[];
  /** bases whose instance set is new or changed, with the set now */
  changedBases: Array<{ baseId: string; instances: string[] }>;
  removedBases: string[];
  /** bases seen unmapped for the first time */
  unmapped: TrunkBaseView[];
  /** bases refused a trunk id another base already holds, first time seen */
  conflicts: Array<{ base: TrunkBaseView; trunkId: string; heldBy: string }>;
}

export class TrunkTopology {
  readonly #bases = new Map<string, TrunkBaseView>();
  readonly #baseOf = new Map<string, string>();
  readonly #mapped = new Map<string, MappedTrunk>();
  readonly #reported = new Set<string>();

  constructor(private readonly mapping: TrunkMapping) {}

  baseOf(instanceId: string): string | undefined {
    return this.#baseOf.get(instanceId);
  }

  /** The base's mapping; undefined for a base that has none (its samples are skipped). */
  mapped(baseId: string): MappedTrunk | undefined {
    return this.#mapped.get(baseId);
  }

  base(baseId: string): TrunkBaseView | undefined {
    return this.#bases.get(baseId);
  }

  instances(): string[] {
    return [...this.#baseOf.keys()];
  }

  get counts(): { bases: number; mapped: number; instances: number } {
    return { bases: this.#bases.size, mapped: this.#mapped.size, instances: this.#baseOf.size };
  }

  apply(discovered: ReadonlyMap<string, TrunkBaseView>): TopologyChange {
    const change: TopologyChange = {
      addedInstances: [],
      removedInstances: [],
      changedBases: [],
      removedBases: [],
      unmapped: [],
      conflicts: [],
    };
    for (const [id, old] of this.#bases) {
      if (discovered.has(id)) continue;
      change.removedBases.push(id);
      for (const i of old.instances) {
        this.#baseOf.delete(i);
        change.removedInstances.push(i);
      }
      this.#bases.delete(id);
    }
    for (const [id, base] of discovered) {
      const old = this.#bases.get(id);
      const before = new Set(old?.instances ?? []);
      const now = new Set(base.instances);
      for (const i of before)
        if (!now.has(i)) {
          this.#baseOf.delete(i);
          change.removedInstances.push(i);
        }
      for (const i of now)
        if (!before.has(i)) {
          this.#baseOf.set(i, id);
          change.addedInstances.push(i);
        }
      if (!old || before.size !== now.size || [...now].some((i) => !before.has(i)))
        change.changedBases.push({ baseId: id, instances: base.instances });
      this.#bases.set(id, { ...base, instances: [...base.instances] });
    }
    this.#remap(change);
    return change;
  }

  #remap(change: TopologyChange): void {
    this.#mapped.clear();
    const holder = new Map<string, string>();
    for (const id of [...this.#bases.keys()].sort()) {
      const base = this.#bases.get(id)!;
      const m = this.mapping.resolve(base);
      if (!m) {
        if (!this.#reported.has(`unmapped:${id}`)) {
          this.#reported.add(`unmapped:${id}`);
          change.unmapped.push(base);
        }
        continue;
      }
      const held = holder.get(m.trunkId);
      if (held !== undefined) {
        if (!this.#reported.has(`conflict:${id}`)) {
          this.#reported.add(`conflict:${id}`);
          change.conflicts.push({ base, trunkId: m.trunkId, heldBy: held });
        }
        continue;
      }
      holder.set(m.trunkId, id);
      this.#mapped.set(id, m);
    }
  }
}
