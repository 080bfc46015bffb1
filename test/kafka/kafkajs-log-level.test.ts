import { logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { kafkajsLogLevel } from '../../src/kafka/kafkajs/log-level.js';

// kafkajs 2.2.4's messages for the protocol errors used below (src/protocol/error.js)
const CONCURRENT_TRANSACTIONS =
  'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing';
const GROUP_COORDINATOR_NOT_AVAILABLE = 'The group coordinator is not available';
const GROUP_LOAD_IN_PROGRESS = "The coordinator is loading and hence can't process requests for this group";
const INVALID_PRODUCER_EPOCH =
  "Producer attempted an operation with an old epoch. Either there is a newer producer with the same transactionalId, or the producer's transaction has been expired by the broker";

function error(message: string, fields: Record<string, unknown> = {}) {
  return { level: logLevel.ERROR, log: { timestamp: '2026-11-27T01:00:00.000Z', message, ...fields } };
}

describe('the level a kafkajs log entry is written at', () => {
  it('writes a broker answer kafkajs retries (concurrent transactions, a coordinator not ready) at debug', () => {
    expect(
      kafkajsLogLevel(
        error('Response AddPartitionsToTxn(key: 24, version: 1)', { error: CONCURRENT_TRANSACTIONS }),
      ),
    ).toBe('debug');
    expect(
      kafkajsLogLevel(
        error('Response GroupCoordinator(key: 10, version: 2)', { error: GROUP_COORDINATOR_NOT_AVAILABLE }),
      ),
    ).toBe('debug');
    expect(
      kafkajsLogLevel(
        error(`Failed to send messages: ${CONCURRENT_TRANSACTIONS}`, { retryCount: 0, retryTime: 12 }),
      ),
    ).toBe('debug');
  });

  it('writes a consumer crash kafkajs restarts from a retriable answer, and the restart, at debug', () => {
    expect(
      kafkajsLogLevel(error(`Crash: KafkaJSProtocolError: ${GROUP_LOAD_IN_PROGRESS}`, { retryCount: 0 })),
    ).toBe('debug');
    expect(
      kafkajsLogLevel(error('Restarting the consumer in 200ms', { retryCount: 0, retryTime: 200 })),
    ).toBe('debug');
  });

  it('keeps a non-retriable answer (a fenced producer, an expired transaction) at error', () => {
    expect(
      kafkajsLogLevel(error('Response EndTxn(key: 26, version: 0)', { error: INVALID_PRODUCER_EPOCH })),
    ).toBe('error');
    expect(kafkajsLogLevel(error(INVALID_PRODUCER_EPOCH, { retryCount: 0, retryTime: 10 }))).toBe('error');
  });

  it('keeps a crash that is not a retriable answer, an unreachable broker and any other error at error', () => {
    expect(
      kafkajsLogLevel(
        error(`Crash: KafkaJSNumberOfRetriesExceeded: ${GROUP_LOAD_IN_PROGRESS}`, { retryCount: 12 }),
      ),
    ).toBe('error');
    expect(
      kafkajsLogLevel(
        error('Crash: KafkaJSNonRetriableError: Failed to find group coordinator', { retryCount: 0 }),
      ),
    ).toBe('error');
    expect(kafkajsLogLevel(error('Connection error: connect ECONNREFUSED 127.0.0.1:29092'))).toBe('error');
    expect(
      kafkajsLogLevel(
        error('Failed to send messages: Connection error: connect ECONNREFUSED 127.0.0.1:29092'),
      ),
    ).toBe('error');
    expect(kafkajsLogLevel(error('Offset out of range, resetting to default offset'))).toBe('error');
  });

  it('keeps warnings and lower entries at their own level', () => {
    const log = { timestamp: '2026-11-27T01:00:00.000Z', message: 'The group is rebalancing, re-joining' };
    expect(kafkajsLogLevel({ level: logLevel.WARN, log })).toBe('warn');
    expect(kafkajsLogLevel({ level: logLevel.INFO, log })).toBe('info');
    expect(kafkajsLogLevel({ level: logLevel.DEBUG, log })).toBe('debug');
  });
});
