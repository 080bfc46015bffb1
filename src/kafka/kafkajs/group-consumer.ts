import type { Consumer, ConsumerRunConfig, Kafka } from 'kafkajs';
import type { GroupConsumer, GroupConsumerOptions } from '../port.js';
import { superviseCrashes } from './consumer-supervision.js';

/** kafkajs' fetch wait when the caller names none, milliseconds */
const MAX_WAIT_TIME_MS = 500;

/**
 * The port's group consumer on kafkajs: a consumer reading one topic `read_committed`, its
 * batches handed over as they are (kafkajs' `EachBatchPayload` is an `OfferedBatch`), never
 * resolved or committed by kafkajs itself; its partitions told at every group join (kafkajs'
 * `GROUP_JOIN` member assignment); its crashes supervised (consumer-supervision.ts).
 */
export function kafkajsGroupConsumer(kafka: Pick<Kafka, 'consumer'>, o: GroupConsumerOptions): GroupConsumer {
  const sessionTimeout = o.sessionTimeoutMs ?? 30_000;
  const c: Consumer = kafka.consumer({
    groupId: o.groupId,
    readUncommitted: false,
    sessionTimeout,
    heartbeatInterval: Math.min(3_000, Math.floor(sessionTimeout / 10)),
    maxWaitTimeInMs: o.maxWaitTimeInMs ?? MAX_WAIT_TIME_MS,
    ...(o.maxBytesPerPartition !== undefined ? { maxBytesPerPartition: o.maxBytesPerPartition } : {}),
    retry: { retries: 12, initialRetryTime: 200, maxRetryTime: 3_000 },
  });
  const topic = o.topic;
  const tp = (partition: number) => [{ topic, partitions: [partition] }];
  return {
    async run(r) {
      const runConfig = (): ConsumerRunConfig => ({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: r.concurrency,
        eachBatch: (payload) => r.batch(payload),
      });
      superviseCrashes(c, {
        stage: o.name,
        logger: o.logger,
        onFatal: o.onFatal,
        stopping: r.stopping,
        runConfig,
      });
      c.on(c.events.GROUP_JOIN, (e) => {
        r.assigned(new Set<number>(e.payload.memberAssignment[topic] ?? []));
      });
      await c.connect();
      await c.subscribe({ topic, fromBeginning: true });
      r.fetching?.();
      await c.run(runConfig());
    },
    seek: (partition, offset) => c.seek({ topic, partition, offset }),
    pause: (partition) => c.pause(tp(partition)),
    resume: (partition) => c.resume(tp(partition)),
    pauseAll: () => c.pause([{ topic }]),
    commitOffset: (partition, offset) => c.commitOffsets([{ topic, partition, offset }]),
    stop: () => c.stop(),
    disconnect: () => c.disconnect(),
  };
}
