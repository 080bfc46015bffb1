/**
 * A token bucket per client, on real time: `perMinute` sustained, `burst` at once.
 * Returns 0 when a request may pass, else the milliseconds until one token is back.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private perMinute: number,
    private burst: number,
    private readonly realNow: () => number = () => performance.now(),
  ) {}

  configure(perMinute: number, burst: number): void {
    this.perMinute = perMinute;
    this.burst = burst;
    this.buckets.clear();
  }

  take(client: string): number {
    if (this.perMinute <= 0) return 0;
    const now = this.realNow();
    const ratePerMs = this.perMinute / 60_000;
    const b = this.buckets.get(client) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + (now - b.at) * ratePerMs);
    b.at = now;
    this.buckets.set(client, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - b.tokens) / ratePerMs);
  }
}
