/**
 * An event-time sliding window (t - span, t] over one metric of one scope, with every
 * aggregate kept incrementally so reading it is O(1):
 *  - avg: a running sum;
 *  - max / min: monotonic deques of point sequence numbers (each point enters and
 *    leaves each deque once: amortized O(1) per point);
 *  - p95: an exact sorted copy of the window's values, updated by binary search and
 *    `copyWithin` (O(log n) compares plus an O(n) memmove of at most n doubles, where
 *    n is the number of points in the window — a few hundred for a trunk or a group);
 *  - last: the newest point.
 * Points must arrive in event-time order, which the engine's reorder buffer guarantees.
 * Storage is typed-array rings that double when full and are never shrunk: no
 * allocation per point once a window has reached its steady size.
 */
export interface WindowNeeds {
  max: boolean;
  min: boolean;
  p95: boolean;
}

export class SlidingWindow {
  private times: Float64Array;
  private values: Float64Array;
  private mask: number;
  private head = 0;
  private size = 0;
  /** sequence number of the oldest point held */
  private headSeq = 0;
  private sum = 0;
  private maxDq: Float64Array | null;
  private maxHead = 0;
  private maxSize = 0;
  private minDq: Float64Array | null;
  private minHead = 0;
  private minSize = 0;
  private sorted: Float64Array | null;

  constructor(
    readonly spanMs: number,
    readonly needs: WindowNeeds,
    initialCapacity = 16,
  ) {
    const cap = pow2(initialCapacity);
    this.mask = cap - 1;
    this.times = new Float64Array(cap);
    this.values = new Float64Array(cap);
    this.maxDq = needs.max ? new Float64Array(cap) : null;
    this.minDq = needs.min ? new Float64Array(cap) : null;
    this.sorted = needs.p95 ? new Float64Array(cap) : null;
  }

  get count(): number {
    return this.size;
  }

  /** Adds a point at `time` and drops the points that fell out of (time - span, time]. */
  push(time: number, value: number): void {
    this.expire(time);
    if (this.size === this.mask + 1) this.grow();
    const seq = this.headSeq + this.size;
    const pos = (this.head + this.size) & this.mask;
    this.times[pos] = time;
    this.values[pos] = value;
    this.size++;
    this.sum += value;
    const mask = this.mask;
    const maxDq = this.maxDq;
    if (maxDq !== null) {
      while (this.maxSize > 0) {
        const back = maxDq[(this.maxHead + this.maxSize - 1) & mask]!;
        if (this.values[(this.head + back - this.headSeq) & mask]! > value) break;
        this.maxSize--;
      }
      maxDq[(this.maxHead + this.maxSize) & mask] = seq;
      this.maxSize++;
    }
    const minDq = this.minDq;
    if (minDq !== null) {
      while (this.minSize > 0) {
        const back = minDq[(this.minHead + this.minSize - 1) & mask]!;
        if (this.values[(this.head + back - this.headSeq) & mask]! < value) break;
        this.minSize--;
      }
      minDq[(this.minHead + this.minSize) & mask] = seq;
      this.minSize++;
    }
    if (this.sorted !== null) sortedInsert(this.sorted, this.size - 1, value);
  }

  private expire(now: number): void {
    const cutoff = now - this.spanMs;
    while (this.size > 0 && this.times[this.head]! <= cutoff) {
      const v = this.values[this.head]!;
      const seq = this.headSeq;
      if (this.maxDq !== null && this.maxSize > 0 && this.maxDq[this.maxHead] === seq) {
        this.maxHead = (this.maxHead + 1) & this.mask;
        this.maxSize--;
      }
      if (this.minDq !== null && this.minSize > 0 && this.minDq[this.minHead] === seq) {
        this.minHead = (this.minHead + 1) & this.mask;
        this.minSize--;
      }
      if (this.sorted !== null) sortedRemove(this.sorted, this.size, v);
      this.head = (this.head + 1) & this.mask;
      this.headSeq++;
      this.size--;
      this.sum -= v;
    }
    // a running sum drifts by rounding; an empty window is a free chance to reset it
    if (this.size === 0) this.sum = 0;
  }

  avg(): number {
    return this.sum / this.size;
  }

  max(): number {
    return this.values[(this.head + this.maxDq![this.maxHead]! - this.headSeq) & this.mask]!;
  }

  min(): number {
    return this.values[(this.head + this.minDq![this.minHead]! - this.headSeq) & this.mask]!;
  }

  /** Nearest-rank 95th percentile: the value at rank ceil(0.95 n). Exact, no buckets. */
  p95(): number {
    return this.sorted![Math.ceil(this.size * 0.95) - 1]!;
  }

  last(): number {
    return this.values[(this.head + this.size - 1) & this.mask]!;
  }

  private grow(): void {
    const oldCap = this.mask + 1;
    const cap = oldCap * 2;
    this.times = unroll(this.times, this.head, this.size, cap);
    this.values = unroll(this.values, this.head, this.size, cap);
    if (this.maxDq !== null) this.maxDq = unroll(this.maxDq, this.maxHead, this.maxSize, cap);
    if (this.minDq !== null) this.minDq = unroll(this.minDq, this.minHead, this.minSize, cap);
    if (this.sorted !== null) {
      const s = new Float64Array(cap);
      s.set(this.sorted.subarray(0, this.size));
      this.sorted = s;
    }
    this.head = 0;
    this.maxHead = 0;
    this.minHead = 0;
    this.mask = cap - 1;
  }

  /** The points and the running sum: everything else is rebuilt from them on restore. */
  toJSON(): WindowSnapshot {
    const times: number[] = [];
    const values: number[] = [];
    for (let i = 0; i < this.size; i++) {
      const pos = (this.head + i) & this.mask;
      times.push(this.times[pos]!);
      values.push(this.values[pos]!);
    }
    return { times, values, sum: this.sum };
  }

  /**
   * Rebuilds a window from a snapshot. The deques and the sorted copy are functions of
   * the points; the sum is restored bit for bit rather than re-added, since float
   * addition in another order could differ in the last place and flip a comparison.
   */
  static fromJSON(spanMs: number, needs: WindowNeeds, snap: WindowSnapshot): SlidingWindow {
    const w = new SlidingWindow(spanMs, needs, Math.max(16, snap.times.length));
    for (let i = 0; i < snap.times.length; i++) w.push(snap.times[i]!, snap.values[i]!);
    w.sum = snap.sum;
    return w;
  }
}

export interface WindowSnapshot {
  times: number[];
  values: number[];
  sum: number;
}

function pow2(n: number): number {
  let c = 1;
  while (c < n) c <<= 1;
  return c;
}

function unroll(src: Float64Array, head: number, size: number, cap: number): Float64Array {
  const out = new Float64Array(cap);
  const mask = src.length - 1;
  for (let i = 0; i < size; i++) out[i] = src[(head + i) & mask]!;
  return out;
}

/** Inserts v into sorted[0, len), which has room for one more. */
function sortedInsert(sorted: Float64Array, len: number, v: number): void {
  let lo = 0;
  let hi = len;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  if (lo < len) sorted.copyWithin(lo + 1, lo, len);
  sorted[lo] = v;
}

/** Removes one occurrence of v from sorted[0, len). */
function sortedRemove(sorted: Float64Array, len: number, v: number): void {
  let lo = 0;
  let hi = len;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  if (lo < len - 1) sorted.copyWithin(lo, lo + 1, len);
}
