import { decodeTrunkEvent, decodeTrunkEventIn, sampleOrError } from '../events/decode.js';
import { EventDecodeError } from '../events/decode-error.js';
import { deadLetterMessage } from '../kafka/dead-letter.js';
import { messageHeader } from '../kafka/message-header.js';
import type { KafkaClient as Kafka, ConsumedMessage as KafkaMessage } from '../kafka/port.js';
import type { CommittedPosition, Output, PartitionWorker, StageProcessor } from '../kafka/stage/worker.js';
import { openWorkers } from '../kafka/state-reader.js';
import { STATE_RECORD_FORMAT, stateMessage } from '../kafka/state-record.js';
import { UndecodableBatch, undecodableBatchDeadLetter } from '../kafka/undecodable-batch.js';
import { Probe } from '../observability/pipeline-events.js';
import { encodeIntent } from './intent-record.js';
import type { IntentLane, IntentSink } from './intent-sink.js';
import type { EvaluatorFactory, PartitionEvaluator } from './ports.js';
import { LANE_HEADER } from './repartition-stage.js';
import { decodeSource, SOURCE_HEADER } from './source-position.js';

export interface RulesStageTopics {
  /** the events topic, or the repartition topic when the rule set needs re-keying */
  input: string;
  deadLetter: string;
  state: string;
  statePartitions: number;
}

export interface RulesProcessorOptions {
  kafka: Kafka;
  groupId: string;
  topics: RulesStageTopics;
  evaluators: EvaluatorFactory;
  /** where intents go: produced at once, outside the transaction (intent-sink.ts) */
  intents: IntentSink;
  /** where the stage tells what it took, evaluated, sent and dead-lettered */
  probe?: Probe;
  /** the most bytes a dead-letter record may take (dead-letter.ts: deadLetterRecordBytes) */
  deadLetterRecordBytes?: number;
}

/**
 * The rules stage's per-partition work: decode (bad events dead-lettered with the
 * reason), evaluate in the event's lane, send the intents of the rules that acted to the
 * intents topic keyed by planning domain at once (intent-sink.ts: outside the transaction,
 * acknowledged before the slice commits; the planning stage, planning-stage.ts, turns them
 * into adjustments); and a state record of every lane's evaluator at each commit.
 */
export function rulesProcessor(o: RulesProcessorOptions): StageProcessor {
  const probe = o.probe ?? new Probe();
  const t = o.topics;
  const defaultLane = o.evaluators.routing.lanes[0]?.name ?? 'trunk';
  return {
    open: (positions: readonly CommittedPosition[]) =>
      openWorkers(
        { kafka: o.kafka, stateTopic: t.state, groupPrefix: o.groupId },
        t.input,
        positions,
        (partition, rec) => {
          const lanes = new Map<string, PartitionEvaluator>();
          for (const [lane, snap] of Object.entries(rec?.lanes ?? {}))
            lanes.set(lane, o.evaluators.create(lane, partition, snap));
          // a new owner reprocesses from the committed offset: it sends that input's intents
          // again, on a lane of its own
          const intents = o.intents.open();
          return new RulesWorker(partition, lanes, intents, o, probe, defaultLane);
        },
      ),
  };
}

class RulesWorker implements PartitionWorker {
  constructor(
    private readonly partition: number,
    private readonly lanes: Map<string, PartitionEvaluator>,
    private readonly intents: IntentLane,
    private readonly o: RulesProcessorOptions,
    private readonly probe: Probe,
    private readonly defaultLane: string,
  ) {}

  process(m: KafkaMessage, out: Output): void {
    this.probe.processed('rules');
    if (m instanceof UndecodableBatch) {
      const dead = undecodableBatchDeadLetter(m, this.o.topics.input, this.partition, 'rules');
      this.probe.deadLettered('rules', dead.code);
      out.send(this.o.topics.deadLetter, dead.record);
      return;
    }
    // a value read where it lies in the fetched batch, when the client offers it (port.ts)
    const sample = m.readValue ? m.readValue(decodeTrunkEventIn) : sampleOrError(decodeTrunkEvent(m.value));
    if (sample instanceof EventDecodeError) {
      this.deadLetter(m, out, sample.code, sample.message);
      return;
    }
    const laneHeader = messageHeader(m, LANE_HEADER);
    const lane = laneHeader ? laneHeader.toString() : this.defaultLane;
    let ev = this.lanes.get(lane);
    if (!ev) {
      ev = this.o.evaluators.create(lane, this.partition, undefined);
      this.lanes.set(lane, ev);
    }
    const r = ev.evaluate(sample);
    this.probe.sample(sample, r.refused ? r.refused.code : null);
    if (r.refused) this.deadLetter(m, out, r.refused.code, r.refused.message);
    for (let index = 0; index < r.intents.length; index++) {
      const intent = r.intents[index]!;
      const source = { topic: this.o.topics.input, partition: this.partition, offset: m.offset, index };
      this.intents.send({
        key: this.o.evaluators.planning.domainOf(intent),
        value: encodeIntent(intent, source),
      });
      this.probe.intent(intent);
    }
  }

  /** the slice commits once its intents are acknowledged */
  settled(): Promise<void> {
    return this.intents.flushed();
  }

  /**
   * A sample read from the repartition topic is dead-lettered under the producer's topic,
   * partition, offset and key (its `tr-source` header), so that it is found where it was sent
   * and a redrive sends it back through the repartition hop, into every lane; the copy's
   * position is kept beside it.
   */
  private deadLetter(m: KafkaMessage, out: Output, code: string, message: string): void {
    this.probe.deadLettered('rules', code);
    const read = { topic: this.o.topics.input, partition: this.partition, offset: m.offset };
    const header = messageHeader(m, SOURCE_HEADER);
    const source = header === undefined ? undefined : decodeSource(header);
    out.send(
      this.o.topics.deadLetter,
      deadLetterMessage(
        source ? { ...source, value: m.value, repartition: read } : { ...read, key: m.key, value: m.value },
        { code, message },
        'rules',
        this.o.deadLetterRecordBytes,
      ),
    );
  }

  async checkpoint(nextOffset: string) {
    const lanes: Record<string, unknown> = {};
    for (const [name, ev] of this.lanes) lanes[name] = await ev.snapshot();
    const t = this.o.topics;
    return {
      topic: t.state,
      message: stateMessage(
        {
          format: STATE_RECORD_FORMAT,
          topic: t.input,
          partition: this.partition,
          nextOffset,
          rulesFingerprint: this.o.evaluators.fingerprint,
          lanes,
        },
        t.statePartitions,
      ),
    };
  }
}
