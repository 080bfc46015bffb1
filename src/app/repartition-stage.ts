import { type DecodeResult, decodeTrunkEvent } from '../events/decode.js';
import { deadLetterMessage } from '../kafka/dead-letter.js';
import { EventTimeAligner } from '../kafka/event-time-alignment.js';
import type { ConsumedMessage } from '../kafka/port.js';
import type { CommittedPosition, Output, PartitionWorker, StageProcessor } from '../kafka/stage/worker.js';
import { UndecodableBatch, undecodableBatchDeadLetter } from '../kafka/undecodable-batch.js';
import { Probe } from '../observability/pipeline-events.js';
import type { Lane } from './ports.js';
import { encodeSource, SOURCE_HEADER } from './source-position.js';

/** Header naming the lane (scope kind) a repartitioned event is meant for. */
export const LANE_HEADER = 'tr-lane';

export interface RepartitionOptions {
  topics: { input: string; repartition: string; deadLetter: string };
  lanes: readonly Lane[];
  /** where the stage tells what it took, routed and dead-lettered */
  probe?: Probe;
  /** shared with the aligner, so each message is decoded once */
  decode?: (m: ConsumedMessage) => DecodeResult;
  /** the most bytes a dead-letter record may take (dead-letter.ts: deadLetterRecordBytes) */
  deadLetterRecordBytes?: number;
}

/** Decodes a message once, whoever asks first (the aligner for its event time, then the worker). */
export function cachedDecoder(): (m: ConsumedMessage) => DecodeResult {
  const seen = new WeakMap<ConsumedMessage, DecodeResult>();
  return (m) => {
    let r = seen.get(m);
    if (!r) {
      r = decodeTrunkEvent(m.value);
      seen.set(m, r);
    }
    return r;
  };
}

/**
 * The repartition stage's pacing: source partitions stay within a third of the engine's
 * allowed lateness of each other in event time (see `EventTimeAligner`).
 */
export function repartitionAligner(
  decode: (m: ConsumedMessage) => DecodeResult,
  allowedLatenessMs: number,
  idleMs: number,
): EventTimeAligner {
  return new EventTimeAligner({
    boundMs: Math.max(1, Math.floor(allowedLatenessMs / 3)),
    idleMs,
    timeOf: (m) => {
      const r = decode(m);
      return r.ok ? r.sample.time : undefined;
    },
  });
}

/**
 * The groupBy hop (as Kafka Streams does it): events arrive keyed by trunk id, but a rule
 * scoped to a trunk group, region or site needs every event of its scope at one owner.
 * Each valid event is re-produced once per lane, keyed by that lane's scope value, to
 * the repartition topic, in one transaction with the input offset. Bad events are
 * dead-lettered here, so the rules stage sees only decodable ones. Stateless.
 */
export function repartitionProcessor(o: RepartitionOptions): StageProcessor {
  if (o.decode === undefined) o = { ...o, decode: cachedDecoder() };
  const probe = o.probe ?? new Probe();
  return {
    async open(positions: readonly CommittedPosition[]) {
      const out = new Map<number, PartitionWorker>();
      for (const p of positions) out.set(p.partition, new RepartitionWorker(p.partition, o, probe));
      return out;
    },
  };
}

class RepartitionWorker implements PartitionWorker {
  constructor(
    private readonly partition: number,
    private readonly o: RepartitionOptions,
    private readonly probe: Probe,
  ) {}

  process(m: ConsumedMessage, out: Output): void {
    const t = this.o.topics;
    this.probe.processed('repartition');
    if (m instanceof UndecodableBatch) {
      const dead = undecodableBatchDeadLetter(m, t.input, this.partition, 'repartition');
      this.probe.deadLettered('repartition', dead.code);
      out.send(t.deadLetter, dead.record);
      return;
    }
    const decoded = this.o.decode ? this.o.decode(m) : decodeTrunkEvent(m.value);
    if (!decoded.ok) {
      this.probe.deadLettered('repartition', decoded.error.code);
      out.send(
        t.deadLetter,
        deadLetterMessage(
          { topic: t.input, partition: this.partition, offset: m.offset, key: m.key, value: m.value },
          decoded.error,
          'repartition',
          this.o.deadLetterRecordBytes,
        ),
      );
      return;
    }
    // where the producer wrote it, for the rules stage's dead letters (source-position.ts)
    const source = encodeSource(t.input, this.partition, m.offset, m.key);
    for (const lane of this.o.lanes) {
      out.send(t.repartition, {
        key: lane.keyOf(decoded.sample),
        value: m.value,
        headers: { [LANE_HEADER]: lane.name, [SOURCE_HEADER]: source },
      });
      this.probe.routed(lane.name);
    }
  }

  async checkpoint() {
    return undefined;
  }
}
