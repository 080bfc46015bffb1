/** Defaults of a transactional stage's knobs, with their units (StageOptions says what each does). */
export const STAGE_DEFAULTS = {
  /** a slice is cut once it is this old, milliseconds */
  commitIntervalMs: 1_000,
  /** ...sooner once its partition is caught up and no batch came for this long, milliseconds */
  idleCommitMs: 100,
  /** ...or once its records reach this many bytes (keys and values, approximately) */
  maxTransactionBytes: 512 * 1024,
  /** slices one waiting transaction takes at most (commit-queue.ts) */
  maxSlicesPerTransaction: 16,
  /**
   * batches of a partition that may wait behind the one processing while the consumer fetches
   * on (the stages that process behind their handler): 2 keeps the next fetch under way while
   * a fetch's batches are processed, for a fetch's worth more memory (maxBytesPerPartition each)
   */
  batchesBehind: 2,
  /** transactions queued for a partition beyond which its next batch waits for them */
  maxQueuedTransactions: 2,
  /** a transaction's records are gzipped from this many bytes (keys and values, approximately) */
  compressFromBytes: 16 * 1024,
  /** heartbeat at least this often inside a batch, and while a batch waits, milliseconds */
  heartbeatEveryMs: 1_000,
  /** kafkajs fetch tuning: the longest a fetch waits for data, milliseconds, and bytes per partition */
  maxWaitTimeInMs: 500,
  maxBytesPerPartition: 1_048_576,
} as const;
