import { seededRandom, seededUnit } from '../rng.js';
import { DEFAULT_TRUNK_BEHAVIOUR, type TrunkBehaviour } from './trunk-options.js';
import { type TrunkBase, type TrunkInstance, TrunkOrg } from './trunk-org.js';
import { type EntryRange, Playback } from './trunk-playback.js';
import { type MalformedKind, ProducedRecord } from './trunk-produced.js';
import { splitCalls } from './trunk-split.js';
import {
  SyntheticTimeline,
  type Timeline,
  type TimelineEntry,
  TrunkScenarioError,
} from './trunk-timeline.js';
import { malformedEventBody, metricsEventBody, metricsTopic } from './trunk-wire.js';
import { iso } from './wire.js';

export interface TrunkScenarioDeps {
  /** hands a notification to the hub; answers how many sockets it was sent to */
  publish(topicName: string, eventBody: unknown): number;
  /** the wall clock, epoch ms: playback maps eventTime onto it */
  now(): number;
}

/** What a bridge needs to know of one trunk base to turn its samples into the project's events. */
export interface TrunkMappingEntry {
  trunkBaseId: string;
  trunkBaseName: string;
  trunkId: string;
  trunkGroup: string;
  region: string;
  site: string;
  labels?: Record<string, string>;
  capacity: number;
}

/**
 * The trunk metrics publisher: the org's trunks, the timeline a scenario plays over them, where
 * its playback stands, and the record of every sample produced. Each timeline entry (one sample
 * of one project trunk) becomes one sample per live instance of that trunk's base, all with the
 * entry's eventTime and summing to its activeCalls, each published on the instance's metrics
 * topic and kept as the instance's latest (its REST metrics).
 */
export class TrunkScenario {
  org!: TrunkOrg;
  timeline!: Timeline;
  playback!: Playback;
  /** the EXTERNAL base of each of the timeline's trunks, by index */
  private bases: TrunkBase[] = [];
  readonly produced = new ProducedRecord();
  behaviour: TrunkBehaviour;
  private malformed: { kind: MalformedKind; left: number } | undefined;

  constructor(
    private readonly deps: TrunkScenarioDeps,
    timeline: Timeline,
    readonly edges: number,
    readonly seed: number,
    behaviour: Partial<TrunkBehaviour> = {},
  ) {
    if (!Number.isInteger(edges) || edges < 1)
      throw new TrunkScenarioError(`trunks.edges must be a whole number ≥ 1, got ${edges}`);
    this.behaviour = { ...DEFAULT_TRUNK_BEHAVIOUR, ...behaviour };
    this.load(timeline);
  }

  /** Replaces the scenario and the org's trunks with the timeline's; the produced record goes on. */
  load(timeline: Timeline): void {
    this.timeline = timeline;
    this.org = new TrunkOrg(timeline.trunks, this.edges, this.deps.now());
    this.bases = timeline.trunks.map((t) => this.org.findBase(t.trunkId)!);
    this.playback = new Playback(timeline.length, (i) => timeline.at(i).time);
  }

  private start(): void {
    if (this.timeline instanceof SyntheticTimeline) this.timeline.startAt(this.deps.now());
  }

  play(speed: number): number {
    if (!(speed > 0 && Number.isFinite(speed)))
      throw new TrunkScenarioError(`the playback speed must be a number > 0, got ${speed}`);
    this.start();
    this.playback.play(speed, this.deps.now());
    return this.tick();
  }

  pause(): void {
    this.playback.pause(this.deps.now());
  }

  /** Publishes the next `count` entries at once; answers how many samples went out. */
  step(count: number): number {
    this.start();
    return this.emit(this.playback.step(count));
  }

  reset(): void {
    this.playback.reset();
  }

  /** Publishes what is due by now; the server calls it on its timer. */
  tick(): number {
    return this.emit(this.playback.due(this.deps.now()));
  }

  private emit(range: EntryRange): number {
    let samples = 0;
    for (let i = range.from; i < range.to; i++) samples += this.emitEntry(this.timeline.at(i));
    return samples;
  }

  private emitEntry(e: TimelineEntry): number {
    const base = this.bases[e.trunk]!;
    const instances = this.org.instancesOf(base.id);
    const random = seededRandom(Math.floor(seededUnit(this.seed, `${base.name}@${e.time}`) * 2 ** 32));
    const splits = splitCalls(e.activeCalls, instances.length, random);
    instances.forEach((instance, j) => {
      const sample = { time: e.time, inbound: splits[j]!.inbound, outbound: splits[j]!.outbound };
      instance.latest = sample;
      const body = metricsEventBody(instance, base, sample);
      const malformed = this.takeMalformed();
      const delivered = this.deps.publish(
        metricsTopic(instance.id),
        malformed ? malformedEventBody(body, malformed) : body,
      );
      this.produced.add({
        instanceId: instance.id,
        trunkBaseId: base.id,
        trunkBaseName: base.name,
        ...sample,
        delivered,
        ...(malformed ? { malformed } : {}),
      });
    });
    return instances.length;
  }

  private takeMalformed(): MalformedKind | undefined {
    const m = this.malformed;
    if (!m) return undefined;
    if (--m.left === 0) this.malformed = undefined;
    return m.kind;
  }

  /** The next `count` notifications go out with a malformed body of this kind. */
  injectMalformed(count: number, kind: MalformedKind): void {
    this.malformed = count > 0 ? { kind, left: count } : undefined;
  }

  addInstance(baseIdOrName: string): { instance: TrunkInstance; base: TrunkBase } | undefined {
    const base = this.org.findBase(baseIdOrName);
    if (!base) return undefined;
    return { instance: this.org.addInstance(base.id, this.deps.now()), base };
  }

  removeInstance(id: string): TrunkInstance | undefined {
    return this.org.removeInstance(id);
  }

  /** Each EXTERNAL base with its project trunk, but those named (by id or name) in `omit`. */
  mapping(omit: readonly string[] = []): TrunkMappingEntry[] {
    const left = new Set(omit);
    return this.bases
      .filter((b) => !left.has(b.id) && !left.has(b.name))
      .map((b) => {
        const p = b.project!;
        return {
          trunkBaseId: b.id,
          trunkBaseName: b.name,
          trunkId: p.trunkId,
          trunkGroup: p.trunkGroup,
          region: p.region,
          site: p.site,
          ...(p.labels ? { labels: p.labels } : {}),
          capacity: p.capacity,
        };
      });
  }

  describe(): Record<string, unknown> {
    const t = this.timeline;
    const started = !(t instanceof SyntheticTimeline) || t.started;
    const position = this.playback.position(this.deps.now());
    return {
      scenario: {
        kind: t.kind,
        source: t.source,
        entries: t.length,
        skipped: t.skipped,
        ...(started ? { from: iso(t.at(0).time), to: iso(t.at(t.length - 1).time) } : {}),
        edges: this.edges,
      },
      playback: {
        state: this.playback.state,
        speed: this.playback.speed,
        next: this.playback.next,
        remaining: t.length - this.playback.next,
        ...(position !== undefined ? { position: iso(position) } : {}),
      },
      trunkBases: this.org.bases.map((b) => ({
        id: b.id,
        name: b.name,
        trunkType: b.trunkType,
        instances: this.org.instancesOf(b.id).map((i) => ({ id: i.id, edge: i.edge })),
      })),
      produced: this.produced.total,
      malformedPending: this.malformed?.left ?? 0,
      behaviour: this.behaviour,
    };
  }
}
