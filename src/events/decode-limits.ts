/** Whether an event time (epoch ms) is inside the accepted range; NaN is not. */
export function inDecodeRange(ms: number): boolean {
  return ms >= DECODE_LIMITS.minTimeMs && ms < DECODE_LIMITS.maxTimeMs;
}

export const DECODE_LIMITS = {
  /** a sample is a few hundred bytes; anything this big is not one */
  maxBytes: 64 * 1024,
  /** event times outside [2000-01-01, 2100-01-01) UTC are refused as nonsense, not clamped */
  minTimeMs: Date.UTC(2000, 0, 1),
  maxTimeMs: Date.UTC(2100, 0, 1),
} as const;
