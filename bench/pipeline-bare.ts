/**
 * (a) of bench:pipeline in a process of its own, started as the reactor process of (b) is
 * (bench/pipeline-reactor.ts: `--import tsx` and the same NODE_OPTIONS), so that both sides
 * start cold: a bare consumer with kafkajs as shipped and its defaults, from the beginning of
 * the topic, that does nothing with the messages. Forked with an IPC channel; not run by hand.
 * Imports kafkajs alone: nothing of the project's Kafka adapter, so its lean decoder and batch
 * are never put in place here.
 */
import { Kafka, logLevel } from 'kafkajs';

export interface BareArgs {
  brokers: string[];
  groupId: string;
  topic: string;
  /** messages on the topic: the run ends when it saw them all */
  events: number;
  partitions: number;
}

export interface BareReport {
  eventsPerSec: number;
}

const args = JSON.parse(process.argv[2] ?? '{}') as BareArgs;
// the bench went away: so does this process
const orphaned = () => process.exit(1);
process.on('disconnect', orphaned);

const kafka = new Kafka({
  clientId: 'bench-pipeline-bare',
  brokers: args.brokers,
  logLevel: logLevel.NOTHING,
});
const consumer = kafka.consumer({ groupId: args.groupId });
let seen = 0;
await consumer.connect();
await consumer.subscribe({ topic: args.topic, fromBeginning: true });
// timed as (b) is: from run() (the group join inside) until every message was seen
const start = Date.now();
let resolveDone: () => void = () => {};
const done = new Promise<void>((r) => {
  resolveDone = r;
});
await consumer.run({
  partitionsConsumedConcurrently: args.partitions,
  eachBatch: async ({ batch }) => {
    seen += batch.messages.length;
    if (seen >= args.events) resolveDone();
  },
});
await done;
const seconds = (Date.now() - start) / 1000;
process.send?.({ eventsPerSec: args.events / seconds } satisfies BareReport);
await consumer.disconnect();
process.off('disconnect', orphaned);
process.disconnect?.();
