import type { TrunkSample } from '../events/trunk-event.js';

/**
 * Event-time order for one input partition. Samples wait here until the watermark
 * (newest event time seen − allowed lateness) passes them, then leave in (time,
 * trunkId) order. So every arrival order within the allowed lateness yields the same
 * processing order — and the same decisions. A sample older than the watermark can no
 * longer be put in order: it is refused as late. A second sample for the same trunk
 * and instant is a duplicate (an at-least-once redelivery) and is dropped.
 *
 * Samples mostly arrive in order: appending is the fast path, an out-of-order one is
 * placed by binary search.
 */
export class ReorderBuffer {
  private items: TrunkSample[] = [];
  private head = 0;
  /** newest event time accepted */
  maxTime = Number.NEGATIVE_INFINITY;
  /** samples with time < watermark have been released; later ones may still arrive */
  watermark = Number.NEGATIVE_INFINITY;

  constructor(readonly allowedLatenessMs: number) {}

  get size(): number {
    return this.items.length - this.head;
  }

  /** 'late' | 'duplicate' | 'accepted' */
  offer(s: TrunkSample): 'late' | 'duplicate' | 'accepted' {
    if (s.time < this.watermark) return 'late';
    const items = this.items;
    const n = items.length;
    const last = n > this.head ? items[n - 1]! : undefined;
    if (last === undefined || before(last, s)) {
      items.push(s);
    } else {
      let lo = this.head;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (before(items[mid]!, s)) lo = mid + 1;
        else hi = mid;
      }
      const at = items[lo];
      if (at !== undefined && at.time === s.time && at.trunkId === s.trunkId) return 'duplicate';
      items.splice(lo, 0, s);
    }
    if (s.time > this.maxTime) {
      this.maxTime = s.time;
      this.watermark = s.time - this.allowedLatenessMs;
    }
    return 'accepted';
  }

  /** The next sample the watermark has passed, or undefined. */
  next(): TrunkSample | undefined {
    if (this.head >= this.items.length) return undefined;
    const s = this.items[this.head]!;
    if (s.time >= this.watermark) return undefined;
    this.items[this.head] = undefined as unknown as TrunkSample;
    this.head++;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.items.length) {
      // compact in place: no new array
      this.items.copyWithin(0, this.head);
      this.items.length -= this.head;
      this.head = 0;
    }
    return s;
  }

  /** Releases everything, as at the end of a stream: later samples at or before maxTime are late. */
  drain(): TrunkSample[] {
    const out = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    if (this.maxTime !== Number.NEGATIVE_INFINITY) this.watermark = this.maxTime + 1;
    return out;
  }

  pending(): TrunkSample[] {
    return this.items.slice(this.head);
  }
}

function before(a: TrunkSample, b: TrunkSample): boolean {
  return a.time < b.time || (a.time === b.time && a.trunkId < b.trunkId);
}
