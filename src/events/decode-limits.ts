export const DECODE_LIMITS = {
  /** a sample is a few hundred bytes; anything this big is not one */
  maxBytes: 64 * 1024,
  /** event times outside [2000-01-01, 2100-01-01) UTC are refused as nonsense, not clamped */
  minTimeMs: Date.UTC(2000, 0, 1),
  maxTimeMs: Date.UTC(2100, 0, 1),
} as const;
