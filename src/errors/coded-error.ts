/**
 * A failure with a stable `code` that callers branch on (never on message text), whether
 * trying again may help (`retriable`), and its `cause`. The Kafka pipeline, the notification
 * channels and the bridge each derive their failures from it, one class per kind, named after
 * the class.
 */
export class CodedError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}
