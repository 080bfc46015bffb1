/** Genesys' own numbers (shared/reference/genesys-cloud-trunk-metrics.md §1). */
export const GENESYS_CHANNEL_LIMITS = {
  topicsPerChannel: 1_000,
  channelsPerClient: 20,
  /** from creation or the last subscription change, milliseconds */
  channelLifetimeMs: 24 * 3_600_000,
} as const;
