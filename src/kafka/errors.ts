import { CodedError } from '../errors/coded-error.js';

/**
 * Pipeline failures, one class per kind, each with a stable `code`, a `retriable` flag
 * and the original `cause` (STYLE.md; kafkajs `src/errors.js`).
 */
export class PipelineError extends CodedError {}

/** A topic is missing and may not be created, or exists with too few partitions. */
export class TopicLayoutError extends PipelineError {
  constructor(message: string) {
    super('TR_ERR_KAFKA_TOPIC_LAYOUT', message, false);
    this.name = 'TopicLayoutError';
  }
}

/** kafkajs gave up on a consumer (`crash` with `restart: false`): the process must exit. */
export class ConsumerCrashedError extends PipelineError {
  constructor(stage: string, cause: unknown) {
    super(
      'TR_ERR_KAFKA_CONSUMER_CRASHED',
      `the ${stage} consumer crashed and kafkajs will not restart it (${(cause as Error)?.message ?? String(cause)}); exiting so a supervisor restarts the process`,
      false,
      { cause },
    );
    this.name = 'ConsumerCrashedError';
  }
}

/** The rule state stored for a partition cannot be read back. */
export class StateRestoreError extends PipelineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TR_ERR_KAFKA_STATE_RESTORE', message, true, options);
    this.name = 'StateRestoreError';
  }
}

/** Shutdown did not finish within `shutdownTimeoutMs`. */
export class ShutdownTimeoutError extends PipelineError {
  constructor(timeoutMs: number) {
    super(
      'TR_ERR_SHUTDOWN_TIMEOUT',
      `shutdown did not finish within shutdownTimeoutMs=${timeoutMs}; exiting anyway (uncommitted work is redelivered)`,
      false,
    );
    this.name = 'ShutdownTimeoutError';
  }
}

/**
 * A batch's transaction failed (fenced, broker gone, timeout): it was aborted and the
 * partition's in-memory state dropped; kafkajs restarts the consumer, which refetches from
 * the committed offset. The kafkajs error is kept as `transactionError`, not `cause`:
 * kafkajs decides whether to restart from the deepest `cause`, and a fencing error there
 * would make it give up instead of refetching.
 */
export class BatchAbortedError extends PipelineError {
  constructor(
    readonly where: string,
    readonly transactionError: unknown,
  ) {
    super(
      'TR_ERR_KAFKA_BATCH_ABORTED',
      `${where}: the batch's transaction failed and was aborted (${(transactionError as Error)?.message ?? String(transactionError)}); it is redelivered from the committed offset`,
      true,
    );
    this.name = 'BatchAbortedError';
  }
}

/**
 * A compression codec cannot do what was asked in this process: its native part does not load
 * on this platform, or it only decompresses.
 */
export class CodecUnavailableError extends PipelineError {
  constructor(
    codec: string,
    operation: 'compress' | 'decompress',
    why: string,
    fix: string,
    cause?: unknown,
  ) {
    super(
      'TR_ERR_KAFKA_CODEC_UNAVAILABLE',
      `${codec} cannot ${operation} here: ${why}; ${fix}`,
      false,
      cause === undefined ? undefined : { cause },
    );
    this.name = 'CodecUnavailableError';
  }
}

/**
 * A fetched record batch could not be decoded (its compressed records corrupt, its codec
 * unknown or unavailable): it is dead-lettered by position and its partition goes on past it.
 */
export class UndecodableBatchError extends PipelineError {
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly firstOffset: string,
    readonly lastOffset: string,
    codec: string,
    records: number,
    cause: unknown,
  ) {
    super(
      'TR_ERR_EVENT_BATCH_UNDECODABLE',
      `${topic}[${partition}] offsets ${firstOffset} to ${lastOffset}: the record batch (${records} records, compression ${codec}) could not be decoded (${(cause as Error)?.message ?? String(cause)}); its records are skipped. Read them from the topic at these offsets while its retention keeps them, and fix the producer's compression`,
      false,
      { cause },
    );
    this.name = 'UndecodableBatchError';
  }
}
