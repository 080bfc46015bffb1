import { type Clock, systemClock } from '../../time/clock.js';
import type { KafkaAdmin } from '../port.js';
import { decodePointer } from '../state-record.js';
import type { CommittedPosition } from './worker.js';

/** Committed offsets with their state pointers; retried while the coordinator loads (docs/kafka-broker.md). */
export async function committedPositions(
  admin: Pick<KafkaAdmin, 'fetchOffsets'>,
  groupId: string,
  topic: string,
  partitions: readonly number[],
  clock: Clock = systemClock,
): Promise<CommittedPosition[]> {
  for (let attempt = 0; ; attempt++) {
    try {
      const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const want = new Set(partitions);
      return (t?.partitions ?? [])
        .filter((p) => want.has(p.partition))
        .map((p) => ({ partition: p.partition, offset: p.offset, state: decodePointer(p.metadata) }));
    } catch (err) {
      if (!(err as { retriable?: boolean }).retriable || attempt >= 30) throw err;
      await clock.sleep(Math.min(2_000, 100 * 2 ** attempt));
    }
  }
}
