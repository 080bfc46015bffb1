import { grown } from './typed-growth.js';

/**
 * The latest sample of every trunk in a multi-trunk scope, and their sums. Members sit
 * in a list ordered by the event time of their latest sample (samples arrive in
 * event-time order, so an update moves a member to the tail), which makes expiring the
 * stale ones a pop from the head: O(1) per sample, no allocation once warm. Sums are
 * of integers, so exact in any order of additions and removals.
 */
export class MemberSums {
  sumActive = 0;
  sumCapacity = 0;
  private readonly index = new Map<string, number>();
  private ids: string[] = [];
  private time = new Float64Array(16);
  private active = new Float64Array(16);
  private capacity = new Float64Array(16);
  private prev = new Int32Array(16);
  private next = new Int32Array(16);
  private head = -1;
  private tail = -1;
  private free: number[] = [];

  get size(): number {
    return this.index.size;
  }

  /**
   * Records a member's latest sample and returns its slot. `hint` is the slot the caller
   * saw last time for this id: when it still holds the id, the map lookup is skipped.
   */
  update(id: string, time: number, activeCalls: number, capacity: number, hint = -1): number {
    let i: number | undefined = hint >= 0 && this.ids[hint] === id ? hint : this.index.get(id);
    if (i === undefined) {
      i = this.allocate(id);
    } else {
      this.sumActive -= this.active[i]!;
      this.sumCapacity -= this.capacity[i]!;
      this.unlink(i);
    }
    this.time[i] = time;
    this.active[i] = activeCalls;
    this.capacity[i] = capacity;
    this.sumActive += activeCalls;
    this.sumCapacity += capacity;
    this.linkTail(i);
    return i;
  }

  /** Drops members whose latest sample is at or before `cutoff`. */
  expire(cutoff: number): void {
    while (this.head !== -1 && this.time[this.head]! <= cutoff) {
      const i = this.head;
      this.sumActive -= this.active[i]!;
      this.sumCapacity -= this.capacity[i]!;
      this.unlink(i);
      this.index.delete(this.ids[i]!);
      this.ids[i] = '';
      this.free.push(i);
    }
  }

  /** [trunkId, time, activeCalls, capacity], oldest first */
  toJSON(): Array<[string, number, number, number]> {
    const out: Array<[string, number, number, number]> = [];
    for (let i = this.head; i !== -1; i = this.next[i]!)
      out.push([this.ids[i]!, this.time[i]!, this.active[i]!, this.capacity[i]!]);
    return out;
  }

  private allocate(id: string): number {
    let i = this.free.pop();
    if (i === undefined) {
      i = this.ids.length;
      if (i === this.time.length) this.grow();
      this.ids.push(id);
    } else this.ids[i] = id;
    this.index.set(id, i);
    return i;
  }

  private unlink(i: number): void {
    const p = this.prev[i]!;
    const n = this.next[i]!;
    if (p === -1) this.head = n;
    else this.next[p] = n;
    if (n === -1) this.tail = p;
    else this.prev[n] = p;
  }

  private linkTail(i: number): void {
    this.prev[i] = this.tail;
    this.next[i] = -1;
    if (this.tail === -1) this.head = i;
    else this.next[this.tail] = i;
    this.tail = i;
  }

  private grow(): void {
    const cap = this.time.length * 2;
    this.time = grown(this.time, cap);
    this.active = grown(this.active, cap);
    this.capacity = grown(this.capacity, cap);
    this.prev = grown(this.prev, cap);
    this.next = grown(this.next, cap);
  }
}
