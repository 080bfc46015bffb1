/**
 * Pipeline failures, one class per kind, each with a stable `code`, a `retriable` flag
 * and the original `cause` (STYLE.md; kafkajs `src/errors.js`).
 */
export class PipelineError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PipelineError';
  }
}

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
