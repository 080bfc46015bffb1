import type { Kafka, KafkaMessage } from 'kafkajs';
import { decodeTrunkEvent, decodeTrunkEventIn } from '../events/decode.js';
import type { Metrics } from '../observability/metrics.js';
import { deadLetterMessage } from './dead-letter.js';
import { LeanRecord, messageHeader } from './fast-records.js';
import { encodeIntent } from './intent-record.js';
import type { IntentLane, IntentSink } from './intent-sink.js';
import type { EvaluatorFactory, PartitionEvaluator } from './ports.js';
import { LANE_HEADER } from './repartition-stage.js';
import { decodeSource, SOURCE_HEADER } from './source-position.js';
import type { CommittedPosition, Output, PartitionWorker, StageProcessor } from './stage/worker.js';
import { restoreStates } from './state-reader.js';
import { STATE_RECORD_FORMAT, stateMessage } from './state-record.js';
import { UndecodableBatch, undecodableBatchDeadLetter } from './undecodable-batch.js';

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
  /** counts for the tests and the benchmark */
  stats?: RulesStageStats;
  metrics?: Pick<Metrics, 'ruleEvaluations' | 'eventsDeadLettered'>;
  /** the most bytes a dead-letter record may take (dead-letter.ts: deadLetterRecordBytes) */
  deadLetterRecordBytes?: number;
}

export interface RulesStageStats {
  events: number;
  deadLettered: number;
  intents: number;
}

/**
 * The rules stage's per-partition work: decode (bad events dead-lettered with the
 * reason), evaluate in the event's lane, send the intents of the rules that acted to the
 * intents topic keyed by planning domain at once (intent-sink.ts: outside the transaction,
 * acknowledged before the slice commits; the planning stage, planning-stage.ts, turns them
 * into adjustments); and a state record of every lane's evaluator at each commit.
 */
export function rulesProcessor(o: RulesProcessorOptions): StageProcessor {
  const stats = o.stats ?? { events: 0, deadLettered: 0, intents: 0 };
  const t = o.topics;
  const defaultLane = o.evaluators.routing.lanes[0]?.name ?? 'trunk';
  return {
    async open(positions: readonly CommittedPosition[]) {
      const records = await restoreStates(
        { kafka: o.kafka, stateTopic: t.state, groupPrefix: o.groupId },
        t.input,
        positions,
      );
      const out = new Map<number, PartitionWorker>();
      for (const pos of positions) {
        const rec = records.get(pos.partition);
        const lanes = new Map<string, PartitionEvaluator>();
        for (const [lane, snap] of Object.entries(rec?.lanes ?? {})) {
          lanes.set(lane, o.evaluators.create(lane, pos.partition, snap));
        }
        // a new owner reprocesses from the committed offset: it sends that input's intents
        // again, on a lane of its own
        const intents = o.intents.open();
        out.set(pos.partition, new RulesWorker(pos.partition, lanes, intents, o, stats, defaultLane));
      }
      return out;
    },
  };
}

class RulesWorker implements PartitionWorker {
  constructor(
    private readonly partition: number,
    private readonly lanes: Map<string, PartitionEvaluator>,
    private readonly intents: IntentLane,
    private readonly o: RulesProcessorOptions,
    private readonly stats: RulesStageStats,
    private readonly defaultLane: string,
  ) {}

  process(m: KafkaMessage, out: Output): void {
    this.stats.events++;
    if (m instanceof UndecodableBatch) {
      const dead = undecodableBatchDeadLetter(m, this.o.topics.input, this.partition, 'rules');
      this.stats.deadLettered++;
      this.o.metrics?.eventsDeadLettered.inc({ code: dead.code });
      out.send(this.o.topics.deadLetter, dead.record);
      return;
    }
    // a lean record's value is read where it lies in the fetched batch (fast-records.ts)
    const decoded = m instanceof LeanRecord ? m.readValue(decodeTrunkEventIn) : decodeTrunkEvent(m.value);
    if (!decoded.ok) {
      this.deadLetter(m, out, decoded.error.code, decoded.error.message);
      return;
    }
    const laneHeader = messageHeader(m, LANE_HEADER);
    const lane = laneHeader ? laneHeader.toString() : this.defaultLane;
    let ev = this.lanes.get(lane);
    if (!ev) {
      ev = this.o.evaluators.create(lane, this.partition, undefined);
      this.lanes.set(lane, ev);
    }
    this.o.metrics?.ruleEvaluations.inc();
    const r = ev.evaluate(decoded.sample);
    if (r.refused) this.deadLetter(m, out, r.refused.code, r.refused.message);
    for (let index = 0; index < r.intents.length; index++) {
      const intent = r.intents[index]!;
      const source = { topic: this.o.topics.input, partition: this.partition, offset: m.offset, index };
      this.intents.send({
        key: this.o.evaluators.planning.domainOf(intent),
        value: encodeIntent(intent, source),
      });
      this.stats.intents++;
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
    this.stats.deadLettered++;
    this.o.metrics?.eventsDeadLettered.inc({ code });
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
