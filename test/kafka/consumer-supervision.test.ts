import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConsumerCrashedError } from '../../src/kafka/errors.js';
import { passesByItself, superviseCrashes } from '../../src/kafka/kafkajs/consumer-supervision.js';

/** kafkajs' errors as its retrier and cluster build them (src/errors.js, src/retry/index.js) */
function coordinatorNotFound(): Error {
  const cause = Object.assign(new Error('Failed to find group coordinator'), {
    name: 'KafkaJSGroupCoordinatorNotFound',
    retriable: false,
  });
  return Object.assign(new Error('Failed to find group coordinator'), {
    name: 'KafkaJSNonRetriableError',
    retriable: false,
    cause,
  });
}

function otherNonRetriable(): Error {
  return Object.assign(new Error('Topic authorization failed'), {
    name: 'KafkaJSProtocolError',
    retriable: false,
  });
}

/** The part of a kafkajs consumer the supervision uses: its events, connect and run. */
class StubConsumer extends EventEmitter {
  readonly events = { CRASH: 'consumer.crash', GROUP_JOIN: 'consumer.group_join' } as const;
  connects = 0;
  runs: unknown[] = [];
  failConnect = false;
  async connect(): Promise<void> {
    this.connects++;
    if (this.failConnect) throw new Error('connect refused');
  }
  async run(config: unknown): Promise<void> {
    this.runs.push(config);
  }
  crash(error: Error, restart = false): void {
    this.emit(this.events.CRASH, { payload: { error, groupId: 'g', restart } });
  }
  joined(): void {
    this.emit(this.events.GROUP_JOIN, { payload: {} });
  }
}

function supervised(o: { maxRestarts?: number } = {}) {
  const consumer = new StubConsumer();
  const fatal: ConsumerCrashedError[] = [];
  const warned: unknown[] = [];
  let stopping = false;
  const config = { eachBatch: async () => {} };
  superviseCrashes(consumer as never, {
    stage: 'rules',
    logger: { warn: (obj: unknown) => void warned.push(obj), error: () => {} },
    onFatal: (e) => void fatal.push(e),
    stopping: () => stopping,
    runConfig: () => config,
    initialDelayMs: 100,
    ...o,
  });
  return {
    consumer,
    fatal,
    warned,
    config,
    stop: () => {
      stopping = true;
    },
  };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('consumer crash supervision', () => {
  it('recognises the coordinator-not-found error through the wrapping kafkajs adds', () => {
    expect(passesByItself(coordinatorNotFound())).toBe(true);
    expect(passesByItself(otherNonRetriable())).toBe(false);
    expect(passesByItself(undefined)).toBe(false);
  });

  it('restarts a consumer kafkajs stopped for want of a group coordinator, with the same run config', async () => {
    const s = supervised();
    s.consumer.crash(coordinatorNotFound());
    expect(s.consumer.connects).toBe(0); // after the delay, not at once
    await vi.advanceTimersByTimeAsync(100);
    expect(s.consumer.connects).toBe(1);
    expect(s.consumer.runs).toEqual([s.config]);
    expect(s.fatal).toEqual([]);
  });

  it('any other crash kafkajs will not restart is fatal, with the stage and the cause in the error', () => {
    const s = supervised();
    s.consumer.crash(otherNonRetriable());
    expect(s.fatal).toHaveLength(1);
    expect(s.fatal[0]?.code).toBe('TR_ERR_KAFKA_CONSUMER_CRASHED');
    expect(s.fatal[0]?.message).toContain('rules consumer');
    expect(s.fatal[0]?.message).toContain('Topic authorization failed');
  });

  it('leaves a crash kafkajs restarts itself to kafkajs', async () => {
    const s = supervised();
    s.consumer.crash(coordinatorNotFound(), true);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(s.consumer.connects).toBe(0);
    expect(s.fatal).toEqual([]);
    expect(s.warned).toHaveLength(1);
  });

  it('gives up after maxRestarts in a row, backing off between them', async () => {
    const s = supervised({ maxRestarts: 3 });
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      const before = Date.now();
      s.consumer.crash(coordinatorNotFound());
      while (s.consumer.connects === i) await vi.advanceTimersByTimeAsync(50);
      delays.push(Date.now() - before);
    }
    expect(delays).toEqual([100, 200, 400]);
    s.consumer.crash(coordinatorNotFound());
    expect(s.fatal).toHaveLength(1);
  });

  it('a successful group join starts the count again', async () => {
    const s = supervised({ maxRestarts: 1 });
    s.consumer.crash(coordinatorNotFound());
    await vi.advanceTimersByTimeAsync(100);
    s.consumer.joined();
    s.consumer.crash(coordinatorNotFound());
    await vi.advanceTimersByTimeAsync(100);
    expect(s.consumer.connects).toBe(2);
    expect(s.fatal).toEqual([]);
  });

  it('a restart that cannot connect is fatal', async () => {
    const s = supervised();
    s.consumer.failConnect = true;
    s.consumer.crash(coordinatorNotFound());
    await vi.advanceTimersByTimeAsync(100);
    expect(s.fatal).toHaveLength(1);
    expect(s.fatal[0]?.message).toContain('connect refused');
  });

  it('does nothing once the stage is stopping', async () => {
    const s = supervised();
    s.consumer.crash(coordinatorNotFound());
    s.stop();
    await vi.advanceTimersByTimeAsync(1_000);
    s.consumer.crash(otherNonRetriable());
    expect(s.consumer.connects).toBe(0);
    expect(s.fatal).toEqual([]);
  });
});
