import type { ICustomPartitioner } from 'kafkajs';
import { loadKafkajs } from './load.js';

/**
 * kafkajs' default partitioner (murmur2 of the key, as Java clients place keys), asked once per key
 * and partition count: it hashes every message otherwise, which at thousands of events a second
 * was the largest part of what a producer allocated. A topic given more partitions is asked again;
 * a message with a partition of its own, or a key that is not a string, goes to kafkajs' as it is.
 */
export const keyedPartitionCache: ICustomPartitioner = () => {
  const partition = loadKafkajs().kafkajs.Partitioners.DefaultPartitioner();
  const known = new Map<string, { partitions: number; partition: number }>();
  return (args) => {
    const key = args.message.key;
    if (typeof key !== 'string' || args.message.partition != null) return partition(args);
    const partitions = args.partitionMetadata.length;
    const hit = known.get(key);
    if (hit?.partitions === partitions) return hit.partition;
    const p = partition(args);
    known.set(key, { partitions, partition: p });
    return p;
  };
};
