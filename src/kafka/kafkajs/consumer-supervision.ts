import type { Consumer, ConsumerRunConfig } from 'kafkajs';
import type { Logger } from 'pino';
import { ConsumerCrashedError } from '../errors.js';

/**
 * What to do when kafkajs stops a consumer (`crash`).
 *
 * kafkajs restarts a crashed consumer itself only when the error is retriable. One error that
 * is not, yet passes by itself, is "Failed to find group coordinator"
 * (`KafkaJSGroupCoordinatorNotFound`, wrapped as `KafkaJSNonRetriableError`): a broker that
 * has just restarted answers FindCoordinator with errors kafkajs does not retry while it loads
 * `__consumer_offsets`, kafkajs gives up after one round over the brokers, stops the consumer
 * and never starts it again (tulios/kafkajs#1445, #1630). The broker-restart scenario met
 * this about one run in six. Such a crash is restarted here — connect and `run` again, which
 * rejoins the group — up to `maxRestarts` times in a row with a doubling delay; a successful
 * group join resets the count. Any other crash kafkajs will not restart, or one too many in a
 * row, is fatal: `onFatal` with a `ConsumerCrashedError`, so that a supervisor restarts the
 * process (as before).
 */
export interface CrashSupervisionOptions {
  stage: string;
  logger: Pick<Logger, 'warn' | 'error'>;
  onFatal: (err: ConsumerCrashedError) => void;
  /** true once the stage is stopping: a crash then is nobody's business */
  stopping: () => boolean;
  /** the stage's `run` configuration, given again on a restart */
  runConfig: () => ConsumerRunConfig;
  /** restarts in a row before giving up (default 6: about 30 s of a coordinator that does not come back) */
  maxRestarts?: number;
  /** first delay before a restart, doubled each time up to 8 s (default 500 ms) */
  initialDelayMs?: number;
}

type Supervised = Pick<Consumer, 'on' | 'events' | 'connect' | 'run'>;

/** Watches `consumer` for crashes and group joins (see CrashSupervisionOptions). */
export function superviseCrashes(consumer: Supervised, o: CrashSupervisionOptions): void {
  const maxRestarts = o.maxRestarts ?? 6;
  const initialDelayMs = o.initialDelayMs ?? 500;
  let inARow = 0;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    inARow = 0;
  });
  consumer.on(consumer.events.CRASH, (e) => {
    const error = e.payload.error;
    if (e.payload.restart) {
      o.logger.warn({ stage: o.stage, err: error }, 'consumer error; kafkajs restarts it');
      return;
    }
    if (o.stopping()) return;
    if (!passesByItself(error) || inARow >= maxRestarts) {
      o.onFatal(new ConsumerCrashedError(o.stage, error));
      return;
    }
    const delayMs = Math.min(8_000, initialDelayMs * 2 ** inARow);
    inARow++;
    o.logger.warn(
      { stage: o.stage, err: error, restart: inARow, of: maxRestarts, delayMs },
      'consumer stopped by kafkajs on an error that passes by itself; restarting it',
    );
    // kafkajs has disconnected the consumer before it emits `crash`
    setTimeout(() => {
      if (o.stopping()) return;
      consumer
        .connect()
        .then(() => consumer.run(o.runConfig()))
        .catch((err: unknown) => {
          if (!o.stopping()) o.onFatal(new ConsumerCrashedError(o.stage, err));
        });
    }, delayMs);
  });
}

/** kafkajs' "Failed to find group coordinator", anywhere in the cause chain. */
export function passesByItself(error: unknown): boolean {
  for (let e = error as { name?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 8; depth++) {
    if (e.name === 'KafkaJSGroupCoordinatorNotFound') return true;
    e = e.cause as typeof e;
  }
  return false;
}
