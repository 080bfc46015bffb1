/**
 * The level a kafkajs log entry is written at.
 *
 * kafkajs logs at ERROR every error answer a broker gives (`Response <Api>`, with the error's
 * message) and every produce it is about to retry (`Failed to send messages: …`), before it
 * retries. A healthy cluster answers that way all the time: CONCURRENT_TRANSACTIONS while the
 * coordinator writes the last commit's markers, GROUP_COORDINATOR_NOT_AVAILABLE and
 * GROUP_LOAD_IN_PROGRESS while a new group's coordinator loads. An operator alerts on error, so
 * an ERROR entry that reports a broker answer kafkajs' own protocol error table marks
 * `retriable` is written at debug: whoever finally gives up on it (kafkajs, which throws, or
 * this project's retries, which fail a transaction or a batch) is what reports the failure. The
 * entry carries the error's message only, not the error, so the message is the key into that
 * table (its 89 messages are distinct). A non-retriable answer (a fenced producer, an expired
 * transaction, a denied ACL), a broker that cannot be reached, and every other ERROR entry stay
 * at error. WARN and below keep their level.
 */
import { createRequire } from 'node:module';
import type { LogEntry } from 'kafkajs';

const require = createRequire(import.meta.url);

interface ProtocolError {
  type: string;
  retriable: boolean;
  message: string;
}

/** kafkajs' log levels (its `logLevel`), from a module that loads nothing else */
const { LEVELS: logLevel } = require('kafkajs/src/loggers/index.js') as {
  LEVELS: { ERROR: number; WARN: number; INFO: number };
};

const { errorCodes } = require('kafkajs/src/protocol/error.js') as { errorCodes: ProtocolError[] };

/** kafkajs' protocol errors by the message it logs them with */
const BY_MESSAGE = new Map(errorCodes.map((e) => [e.message, e]));

/**
 * kafkajs 2.2.4's formats that put a broker answer's message after a prefix:
 * - sendMessages.js logs a produce it retries as `Failed to send messages: <message>`;
 * - consumer/index.js logs a crash as `Crash: <name>: <message>`, and restarts the consumer when
 *   the error (its innermost cause) is retriable: for a KafkaJSProtocolError that is the table's
 *   flag. Other crashes (retries exhausted, not retriable) are not matched and stay at error.
 */
const ANSWER_PREFIXES = ['Failed to send messages: ', 'Crash: KafkaJSProtocolError: '] as const;

/**
 * consumer/index.js logs this after a crash it restarts the consumer from; the crash itself is
 * the entry before it (and the stage's crash supervision logs the restart at warn)
 */
const RESTARTING = 'Restarting the consumer in ';

export type PinoLevel = 'error' | 'warn' | 'info' | 'debug';

export function kafkajsLogLevel(entry: Pick<LogEntry, 'level' | 'log'>): PinoLevel {
  switch (entry.level) {
    case logLevel.ERROR:
      return retriedByItself(entry.log) ? 'debug' : 'error';
    case logLevel.WARN:
      return 'warn';
    case logLevel.INFO:
      return 'info';
    default:
      return 'debug';
  }
}

/** The broker answer an ERROR entry reports, when kafkajs' table knows it. */
function brokerAnswer(log: LogEntry['log']): ProtocolError | undefined {
  if (typeof log.error === 'string') return BY_MESSAGE.get(log.error);
  const message = log.message;
  for (const prefix of ANSWER_PREFIXES) {
    if (message.startsWith(prefix)) return BY_MESSAGE.get(message.slice(prefix.length));
  }
  return BY_MESSAGE.get(message);
}

function retriedByItself(log: LogEntry['log']): boolean {
  if (log.message.startsWith(RESTARTING)) return true;
  return brokerAnswer(log)?.retriable === true;
}
