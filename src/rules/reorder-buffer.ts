import type { TrunkSample } from '../events/trunk-event.js';
import { MemberWatermark } from './member-watermark.js';

/** What the buffer made of a sample. */
export type Verdict = 'accepted' | 'late' | 'duplicate' | 'future';

export interface EventTimeSettings {
  /** how far behind its member's newest sample a sample may arrive and still be put in order, ms */
  allowedLatenessMs: number;
  /** event time behind the newest member after which a silent member may stop holding the others, ms */
  memberStaleAfterMs: number;
  /** wall clock a member that far behind must stay silent before it stops holding the others, ms */
  memberIdleMs: number;
  /** how far ahead of the wall clock an event may be stamped, ms (beyond: refused as future) */
  maxFutureSkewMs: number;
}

/**
 * Event-time order for one input partition. Samples wait here until the watermark passes
 * them, then leave in (time, trunkId) order, so every arrival order that leaves no sample
 * late yields the same processing order — and the same decisions.
 *
 * The watermark is the slowest live member's newest event time − allowed lateness
 * (MemberWatermark): driven by the members, not by whichever partition was read first.
 * A sample is late only when it would come before a sample already released, since only
 * then can it no longer be put in order; the same trunk and instant as a waiting sample or
 * the last released one is a duplicate (an at-least-once redelivery). A sample stamped more
 * than `maxFutureSkewMs` ahead of the wall clock is refused as future and moves nothing.
 *
 * `now` (wall clock) is passed in by the caller; without it (a replay) no member goes stale
 * and nothing is in the future.
 *
 * Samples mostly arrive in order: appending is the fast path, an out-of-order one is
 * placed by binary search.
 */
export class ReorderBuffer {
  /**
   * The waiting samples are items[head, end). The array keeps its length when it empties (a
   * partition's samples wait and leave by the thousand: a length set back to 0 would give its
   * storage back and grow it again, every time).
   */
  private items: Array<TrunkSample | undefined> = [];
  private head = 0;
  private end = 0;
  readonly members: MemberWatermark;
  /** samples with time < watermark have been released; later ones wait */
  watermark = Number.NEGATIVE_INFINITY;
  /** event time of the last sample released */
  releasedTime = Number.NEGATIVE_INFINITY;
  /** its trunk; null when only its time is known (every trunk at that instant counts as released) */
  releasedTrunk: string | null = null;

  constructor(readonly settings: EventTimeSettings) {
    this.members = new MemberWatermark(settings.memberStaleAfterMs, settings.memberIdleMs);
  }

  get size(): number {
    return this.end - this.head;
  }

  /** newest event time accepted */
  get maxTime(): number {
    return this.members.frontier;
  }

  offer(s: TrunkSample, now?: number): Verdict {
    if (now !== undefined && s.time > now + this.settings.maxFutureSkewMs) return 'future';
    if (s.time <= this.releasedTime) {
      if (s.time < this.releasedTime) return 'late';
      if (this.releasedTrunk === null) return 'late';
      if (s.trunkId === this.releasedTrunk) return 'duplicate';
      if (s.trunkId < this.releasedTrunk) return 'late';
    }
    const items = this.items;
    const n = this.end;
    const last = n > this.head ? items[n - 1]! : undefined;
    if (last === undefined || before(last, s)) {
      if (n < items.length) items[n] = s;
      else items.push(s);
      this.end = n + 1;
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
      if (n === items.length) items.push(undefined);
      items.copyWithin(lo + 1, lo, n);
      items[lo] = s;
      this.end = n + 1;
    }
    this.members.heard(s.trunkId, s.time, now);
    this.advance(now);
    return 'accepted';
  }

  /** Moves the watermark to the slowest live member at wall-clock `now`. */
  advance(now?: number): void {
    const w = this.members.slowest(now) - this.settings.allowedLatenessMs;
    if (w > this.watermark) this.watermark = w;
  }

  /** The next sample the watermark has passed, or undefined. */
  next(): TrunkSample | undefined {
    if (this.head >= this.end) return undefined;
    const s = this.items[this.head]!;
    if (s.time >= this.watermark) return undefined;
    this.items[this.head] = undefined;
    this.head++;
    if (this.head === this.end) {
      this.head = 0;
      this.end = 0;
    } else if (this.head > 4096 && this.head * 2 > this.end) {
      // compact in place: no new array
      this.items.copyWithin(0, this.head, this.end);
      this.items.fill(undefined, this.end - this.head, this.end);
      this.end -= this.head;
      this.head = 0;
    }
    this.releasedTime = s.time;
    this.releasedTrunk = s.trunkId;
    return s;
  }

  /** Releases everything, as at the end of a stream. */
  drain(): TrunkSample[] {
    const out = this.pending();
    this.items = [];
    this.head = 0;
    this.end = 0;
    const last = out[out.length - 1];
    if (last !== undefined) {
      this.releasedTime = last.time;
      this.releasedTrunk = last.trunkId;
    }
    if (this.maxTime > this.watermark) this.watermark = this.maxTime + 1;
    return out;
  }

  pending(): TrunkSample[] {
    return this.items.slice(this.head, this.end) as TrunkSample[];
  }
}

function before(a: TrunkSample, b: TrunkSample): boolean {
  return a.time < b.time || (a.time === b.time && a.trunkId < b.trunkId);
}
