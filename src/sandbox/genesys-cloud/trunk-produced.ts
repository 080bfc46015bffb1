import { grown } from '../../rules/typed-growth.js';

/** How a malformed notification body is broken (the sample itself is recorded as it was). */
export const MALFORMED_KINDS = ['missing-calls', 'string-counts', 'bad-event-time'] as const;
export type MalformedKind = (typeof MALFORMED_KINDS)[number];

export interface ProducedSample {
  instanceId: string;
  trunkBaseId: string;
  trunkBaseName: string;
  time: number;
  inbound: number;
  outbound: number;
  /** channels whose socket the notification was sent to */
  delivered: number;
  malformed?: MalformedKind;
}

export interface ProducedEntry {
  seq: number;
  trunkId: string;
  trunkBaseId: string;
  trunkBaseName: string;
  eventTime: string;
  inboundCallCount: number;
  outboundCallCount: number;
  delivered: number;
  malformed?: MalformedKind;
}

/**
 * Every sample the scenario produced, in order, numbered from 1: what a benchmark compares with
 * what reached Kafka. Kept in typed columns (a sample is 28 bytes and an index), since a synthetic
 * load produces millions; the instance and base names are held once each.
 */
export class ProducedRecord {
  private size = 0;
  private who = new Int32Array(1024);
  private time = new Float64Array(1024);
  private inbound = new Int32Array(1024);
  private outbound = new Int32Array(1024);
  private delivered = new Int32Array(1024);
  private malformed = new Int32Array(1024);
  private readonly names: Array<{ instanceId: string; trunkBaseId: string; trunkBaseName: string }> = [];
  private readonly nameIndex = new Map<string, number>();

  get total(): number {
    return this.size;
  }

  add(s: ProducedSample): number {
    if (this.size === this.time.length) {
      const n = this.size * 2;
      this.who = grown(this.who, n);
      this.time = grown(this.time, n);
      this.inbound = grown(this.inbound, n);
      this.outbound = grown(this.outbound, n);
      this.delivered = grown(this.delivered, n);
      this.malformed = grown(this.malformed, n);
    }
    let who = this.nameIndex.get(s.instanceId);
    if (who === undefined) {
      who = this.names.length;
      this.names.push({
        instanceId: s.instanceId,
        trunkBaseId: s.trunkBaseId,
        trunkBaseName: s.trunkBaseName,
      });
      this.nameIndex.set(s.instanceId, who);
    }
    const i = this.size++;
    this.who[i] = who;
    this.time[i] = s.time;
    this.inbound[i] = s.inbound;
    this.outbound[i] = s.outbound;
    this.delivered[i] = s.delivered;
    this.malformed[i] = s.malformed ? MALFORMED_KINDS.indexOf(s.malformed) + 1 : 0;
    return i + 1;
  }

  /** Entries from seq `since` on, at most `limit`; `nextSeq` is where the next read starts. */
  since(since: number, limit: number): { entries: ProducedEntry[]; nextSeq: number; total: number } {
    const from = Math.max(0, Math.floor(since) - 1);
    const to = Math.min(this.size, from + limit);
    const entries: ProducedEntry[] = [];
    for (let i = from; i < to; i++) {
      const n = this.names[this.who[i]!]!;
      const m = this.malformed[i]!;
      entries.push({
        seq: i + 1,
        trunkId: n.instanceId,
        trunkBaseId: n.trunkBaseId,
        trunkBaseName: n.trunkBaseName,
        eventTime: new Date(this.time[i]!).toISOString(),
        inboundCallCount: this.inbound[i]!,
        outboundCallCount: this.outbound[i]!,
        delivered: this.delivered[i]!,
        ...(m > 0 ? { malformed: MALFORMED_KINDS[m - 1]! } : {}),
      });
    }
    return { entries, nextSeq: Math.max(to, from) + 1, total: this.size };
  }
}
