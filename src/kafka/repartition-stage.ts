import type { KafkaMessage } from 'kafkajs';
import { decodeTrunkEvent } from '../events/decode.js';
import { deadLetterMessage } from './dead-letter.js';
import type { Lane } from './ports.js';
import type { CommittedPosition, Output, PartitionWorker, StageProcessor } from './transactional-stage.js';

/** Header naming the lane (scope kind) a repartitioned event is meant for. */
export const LANE_HEADER = 'tr-lane';

export interface RepartitionOptions {
  topics: { input: string; repartition: string; deadLetter: string };
  lanes: readonly Lane[];
  stats?: { events: number; deadLettered: number; routed: number };
}

/**
 * The groupBy hop (as Kafka Streams does it): events arrive keyed by trunk id, but a rule
 * scoped to a trunk group, region or site needs every event of its scope at one owner.
 * Each valid event is re-produced once per lane, keyed by that lane's scope value, to
 * the repartition topic, in one transaction with the input offset. Bad events are
 * dead-lettered here, so the rules stage sees only decodable ones. Stateless.
 */
export function repartitionProcessor(o: RepartitionOptions): StageProcessor {
  const stats = o.stats ?? { events: 0, deadLettered: 0, routed: 0 };
  return {
    async open(positions: readonly CommittedPosition[]) {
      const out = new Map<number, PartitionWorker>();
      for (const p of positions) out.set(p.partition, new RepartitionWorker(p.partition, o, stats));
      return out;
    },
  };
}

class RepartitionWorker implements PartitionWorker {
  constructor(
    private readonly partition: number,
    private readonly o: RepartitionOptions,
    private readonly stats: NonNullable<RepartitionOptions['stats']>,
  ) {}

  process(m: KafkaMessage, out: Output): void {
    const t = this.o.topics;
    this.stats.events++;
    const decoded = decodeTrunkEvent(m.value);
    if (!decoded.ok) {
      this.stats.deadLettered++;
      out.send(
        t.deadLetter,
        deadLetterMessage(
          { topic: t.input, partition: this.partition, offset: m.offset, key: m.key, value: m.value },
          decoded.error,
          'repartition',
        ),
      );
      return;
    }
    for (const lane of this.o.lanes) {
      out.send(t.repartition, {
        key: lane.keyOf(decoded.sample),
        value: m.value,
        headers: { [LANE_HEADER]: lane.name },
      });
      this.stats.routed++;
    }
  }

  async checkpoint() {
    return undefined;
  }
}
