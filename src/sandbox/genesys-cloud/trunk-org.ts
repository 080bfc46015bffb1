import { createHash } from 'node:crypto';
import type { ProjectTrunk } from './trunk-timeline.js';

/** An id in Genesys' form (a UUID), fixed by a name, so that a scenario's ids repeat from run to run. */
export function nameUuid(name: string): string {
  const h = createHash('sha1').update(`trunk-reactor sandbox/${name}`).digest('hex');
  const variant = ((Number.parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface EdgeRef {
  id: string;
  name: string;
}

/** A trunk base (`TrunkBase`, "trunk base settings"): what an admin configures as one trunk. */
export interface TrunkBase {
  id: string;
  name: string;
  trunkType: 'EXTERNAL' | 'PHONE';
  /** the project trunk the scenario plays on this base; none for the org's phone trunk */
  project?: ProjectTrunk;
  createdAt: number;
  /** the edge number the next added instance gets */
  nextEdge: number;
}

/** The latest sample of an instance, as its REST metrics answer it. */
export interface InstanceSample {
  time: number;
  inbound: number;
  outbound: number;
}

/** A `Trunk`: one trunk base on one edge. A BYOC Cloud base has one on each edge of the region. */
export interface TrunkInstance {
  id: string;
  baseId: string;
  edge: EdgeRef;
  createdAt: number;
  latest?: InstanceSample;
}

/** The phone trunk every org has next to its BYOC trunks: a client must filter it out by trunkType. */
export const PHONE_TRUNK_NAME = 'Genesys Cloud - CDM WebRTC Phone Trunk';

export function edgeRef(n: number): EdgeRef {
  return { id: nameUuid(`edge/${n}`), name: `byoc-cloud-edge-${n}` };
}

/**
 * The org's trunks: one EXTERNAL base per project trunk (named after it) and the phone trunk
 * base, each with one instance per edge. Instances can be added (on a new edge) and removed while
 * a scenario plays; bases stay.
 */
export class TrunkOrg {
  readonly bases: TrunkBase[] = [];
  private readonly baseById = new Map<string, TrunkBase>();
  private readonly live = new Map<string, TrunkInstance>();
  private readonly byBase = new Map<string, TrunkInstance[]>();

  constructor(trunks: readonly ProjectTrunk[], edges: number, createdAt: number) {
    for (const project of trunks)
      this.addBase(project.trunkId, 'EXTERNAL', project.instances ?? edges, createdAt, project);
    this.addBase(PHONE_TRUNK_NAME, 'PHONE', edges, createdAt);
  }

  private addBase(
    name: string,
    trunkType: TrunkBase['trunkType'],
    instances: number,
    createdAt: number,
    project?: ProjectTrunk,
  ): void {
    const base: TrunkBase = {
      id: nameUuid(`trunkbase/${name}`),
      name,
      trunkType,
      ...(project ? { project } : {}),
      createdAt,
      nextEdge: 1,
    };
    this.bases.push(base);
    this.baseById.set(base.id, base);
    this.byBase.set(base.id, []);
    for (let i = 0; i < instances; i++) this.addInstance(base.id, createdAt);
  }

  base(id: string): TrunkBase | undefined {
    return this.baseById.get(id);
  }

  /** A base by id or by name. */
  findBase(idOrName: string): TrunkBase | undefined {
    return this.baseById.get(idOrName) ?? this.bases.find((b) => b.name === idOrName);
  }

  instance(id: string): TrunkInstance | undefined {
    return this.live.get(id);
  }

  /** The live instances of a base, oldest first. */
  instancesOf(baseId: string): readonly TrunkInstance[] {
    return this.byBase.get(baseId) ?? [];
  }

  /** Every live instance: base by base, oldest first. */
  instances(): TrunkInstance[] {
    return this.bases.flatMap((b) => this.instancesOf(b.id));
  }

  addInstance(baseId: string, createdAt: number): TrunkInstance {
    const base = this.baseById.get(baseId);
    if (!base) throw new Error(`no trunk base ${baseId}`);
    const n = base.nextEdge++;
    const instance: TrunkInstance = {
      id: nameUuid(`trunk/${base.name}/${n}`),
      baseId,
      edge: edgeRef(n),
      createdAt,
    };
    this.live.set(instance.id, instance);
    this.byBase.get(baseId)!.push(instance);
    return instance;
  }

  removeInstance(id: string): TrunkInstance | undefined {
    const instance = this.live.get(id);
    if (!instance) return undefined;
    this.live.delete(id);
    const list = this.byBase.get(instance.baseId)!;
    list.splice(list.indexOf(instance), 1);
    return instance;
  }
}
