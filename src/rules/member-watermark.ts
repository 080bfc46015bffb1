import { grown } from './typed-growth.js';

/**
 * The event time of the members (trunks) that feed one engine: each member's newest event
 * time, and the slowest *live* member's, which is what the watermark follows (Flink's
 * watermark is the minimum over its inputs in the same way). A member whose samples come
 * late in wall-clock terms — its source partition read after another's burst, a backlog
 * it is still catching up — holds the others back, so its samples are never late because
 * another member's came first.
 *
 * A member stops holding the others back when it is **stale**: more than `staleAfterMs`
 * (the rules' `memberStaleAfter`) of event time behind the newest member, with nothing
 * heard from it for `idleMs` of wall clock while the watermark was held behind by it
 * (idleness decided by time without data, as Flink's `withIdleness`). Both must hold: a
 * burst of fifteen minutes from the other members puts a member far behind in event time
 * for the moment its own burst takes to arrive, not for `idleMs`; a member merely quiet
 * (every member between bursts) is not behind. A stale member is forgotten: when it comes
 * back, its samples older than what was released are late and its newer ones count again.
 *
 * The wall clock only decides *when* samples are released, never in which order, so as
 * long as no sample is late the decisions are those of the sorted stream. Without a wall
 * clock (`now` undefined: a replay, `plan`) no member goes stale.
 *
 * Members sit in a binary min-heap by newest event time (typed arrays, no allocation once
 * warm): a sample is O(log members), the slowest member O(1).
 */
export class MemberWatermark {
  /** newest event time of any sample taken in: the frontier the others are behind */
  frontier = Number.NEGATIVE_INFINITY;
  /** wall-clock time since when the slowest member has been more than `staleAfterMs` behind; NaN when it is not */
  private holdSince = Number.NaN;
  private readonly index = new Map<string, number>();
  private ids: string[] = [];
  private newest = new Float64Array(16);
  /** wall clock of the member's last sample; -Infinity when not heard since this engine started */
  private heardAt = new Float64Array(16);
  /** heap of slots, the slowest member first */
  private heap = new Int32Array(16);
  /** slot → its position in the heap */
  private pos = new Int32Array(16);
  private count = 0;
  private free: number[] = [];

  constructor(
    private readonly staleAfterMs: number,
    private readonly idleMs: number,
  ) {}

  get size(): number {
    return this.count;
  }

  /** A sample of member `id` at event time `time` was taken in, at wall-clock `now` (undefined in a replay). */
  heard(id: string, time: number, now: number | undefined): void {
    let slot = this.index.get(id);
    if (slot === undefined) {
      slot = this.allocate(id);
      this.newest[slot] = time;
      this.heap[this.count] = slot;
      this.pos[slot] = this.count;
      this.count++;
      this.up(this.count - 1);
    } else if (time > this.newest[slot]!) {
      this.newest[slot] = time;
      this.down(this.pos[slot]!);
    }
    this.heardAt[slot] = now ?? Number.NEGATIVE_INFINITY;
    if (time > this.frontier) this.frontier = time;
  }

  /**
   * The slowest live member's newest event time (-Infinity when none), after forgetting the
   * members found stale at wall-clock `now`.
   */
  slowest(now: number | undefined): number {
    for (;;) {
      if (this.count === 0) return Number.NEGATIVE_INFINITY;
      const top = this.heap[0]!;
      if (this.frontier - this.newest[top]! <= this.staleAfterMs) {
        this.holdSince = Number.NaN;
        return this.newest[top]!;
      }
      if (now === undefined) return this.newest[top]!;
      if (Number.isNaN(this.holdSince)) this.holdSince = now;
      if (now - this.holdSince < this.idleMs) return this.newest[top]!;
      this.forgetSilentLaggards();
    }
  }

  /** [trunkId, newest event time] of every live member, by trunk id */
  toJSON(): Array<[string, number]> {
    const out: Array<[string, number]> = [];
    for (let i = 0; i < this.count; i++) {
      const slot = this.heap[i]!;
      out.push([this.ids[slot]!, this.newest[slot]!]);
    }
    return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  /**
   * Members restored from a snapshot: not heard since this engine started, so each one that
   * is stale by event time is forgotten after one idle period of wall clock.
   */
  restore(members: ReadonlyArray<readonly [string, number]>): void {
    for (const [id, time] of members) this.heard(id, time, undefined);
  }

  /**
   * The hold has lasted `idleMs`: every member still more than `staleAfterMs` behind and not
   * heard from since the hold began is forgotten. One that was heard meanwhile (catching up)
   * stays; if it is still the slowest, a new hold begins.
   */
  private forgetSilentLaggards(): void {
    const since = this.holdSince;
    const keep: number[] = [];
    while (this.count > 0) {
      const top = this.heap[0]!;
      if (this.frontier - this.newest[top]! <= this.staleAfterMs) break;
      this.removeTop();
      if (this.heardAt[top]! >= since) keep.push(top);
      else {
        this.index.delete(this.ids[top]!);
        this.ids[top] = '';
        this.free.push(top);
      }
    }
    for (const slot of keep) {
      this.heap[this.count] = slot;
      this.pos[slot] = this.count;
      this.count++;
      this.up(this.count - 1);
    }
    this.holdSince = Number.NaN;
  }

  private allocate(id: string): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      slot = this.ids.length;
      if (slot === this.newest.length) this.grow();
      this.ids.push(id);
    } else this.ids[slot] = id;
    this.index.set(id, slot);
    return slot;
  }

  private removeTop(): void {
    this.count--;
    if (this.count === 0) return;
    const last = this.heap[this.count]!;
    this.heap[0] = last;
    this.pos[last] = 0;
    this.down(0);
  }

  private up(i: number): void {
    const heap = this.heap;
    const slot = heap[i]!;
    const t = this.newest[slot]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (this.newest[p]! <= t) break;
      heap[i] = p;
      this.pos[p] = i;
      i = parent;
    }
    heap[i] = slot;
    this.pos[slot] = i;
  }

  private down(i: number): void {
    const heap = this.heap;
    const newest = this.newest;
    const n = this.count;
    const slot = heap[i]!;
    const t = newest[slot]!;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n && newest[heap[right]!]! < newest[heap[child]!]!) child = right;
      const c = heap[child]!;
      if (newest[c]! >= t) break;
      heap[i] = c;
      this.pos[c] = i;
      i = child;
    }
    heap[i] = slot;
    this.pos[slot] = i;
  }

  private grow(): void {
    const cap = this.newest.length * 2;
    this.newest = grown(this.newest, cap);
    this.heardAt = grown(this.heardAt, cap);
    this.heap = grown(this.heap, cap);
    this.pos = grown(this.pos, cap);
  }
}
