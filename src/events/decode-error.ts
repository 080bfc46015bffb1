/**
 * Why an event was refused. The pipeline dead-letters the message with `code` and
 * `reason` in its headers and moves on; the stream never stalls on a bad event.
 */
export type DecodeFailure =
  | 'empty'
  | 'too-large'
  | 'not-utf8'
  | 'not-json'
  | 'schema'
  | 'unsupported-version'
  | 'calls-exceed-capacity'
  | 'time-out-of-range';

export class EventDecodeError extends Error {
  readonly code = 'TR_ERR_EVENT_DECODE';
  readonly retriable = false;
  constructor(
    readonly failure: DecodeFailure,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`bad trunk event (${failure}): ${reason}`, options);
    this.name = 'EventDecodeError';
  }
}
