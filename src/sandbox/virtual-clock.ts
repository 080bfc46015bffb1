/**
 * The sandbox's clock. Real time by default; tests and the demo set it, advance it or
 * freeze it through /_sandbox/clock so a Sunday publish window can happen on a Wednesday.
 * It drives schedule semantics (publish window, Retry-After of a lock, key expiry);
 * rate limiting and token lifetimes stay on real time, like a real server's.
 */
export class VirtualClock {
  private baseVirtual: number;
  private baseReal: number;
  private frozen: boolean;

  constructor(
    start: number | undefined,
    frozen = false,
    private readonly realNow: () => number = Date.now,
  ) {
    this.baseReal = realNow();
    this.baseVirtual = start ?? this.baseReal;
    this.frozen = frozen;
  }

  now(): number {
    return this.frozen ? this.baseVirtual : this.baseVirtual + (this.realNow() - this.baseReal);
  }

  get isFrozen(): boolean {
    return this.frozen;
  }

  set(ms: number): void {
    this.baseVirtual = ms;
    this.baseReal = this.realNow();
  }

  advance(ms: number): void {
    this.set(this.now() + ms);
  }

  freeze(frozen: boolean): void {
    const now = this.now();
    this.frozen = frozen;
    this.set(now);
  }
}
