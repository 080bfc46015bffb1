import { deadLetterMessage } from '../kafka/dead-letter.js';
import type { KafkaClient as Kafka, ConsumedMessage as KafkaMessage } from '../kafka/port.js';
import type { CommittedPosition, Output, PartitionWorker, StageProcessor } from '../kafka/stage/worker.js';
import { openWorkers } from '../kafka/state-reader.js';
import { STATE_RECORD_FORMAT, stateMessage } from '../kafka/state-record.js';
import { Probe } from '../observability/pipeline-events.js';
import { adjustmentKey } from './adjustment-key.js';
import { decodeIntent } from './intent-record.js';
import type { PartitionPlanner, PlannerFactory } from './ports.js';

export interface PlanningStageTopics {
  intents: string;
  adjustments: string;
  deadLetter: string;
  state: string;
  statePartitions: number;
}

export interface PlanningProcessorOptions {
  kafka: Kafka;
  groupId: string;
  topics: PlanningStageTopics;
  planners: PlannerFactory;
  /** identifies the rule set; stored with the state */
  fingerprint: string;
  /** where the stage tells what it took, planned, dropped and dead-lettered */
  probe?: Probe;
}

/** The state record's "lanes": the partition's planner, and the last source position planned per source. */
const PLANNER_LANE = 'planner';
const SOURCES_LANE = 'sources';

/** source `topic/partition` → [offset, index] of the last intent from it that was planned */
type SourcePositions = Record<string, [string, number]>;

/**
 * The planning stage's per-partition work: every intent of a planning domain arrives on one
 * partition of the intents topic (keyed by domain), where one planner resolves it against
 * the schedule and its own earlier decisions, so per-team caps count every input partition's
 * intents. It emits the adjustments keyed by agent, and the planner's state (cap counters,
 * planned changes) in a state record at each commit — in the same transaction as the
 * intents' offsets, like the rules stage's. The rules stage sends intents outside its
 * transaction, so a replay upstream sends some again: an intent at or below the last source
 * position planned from its source is a repeat and is dropped (intent-sink.ts).
 */
export function planningProcessor(o: PlanningProcessorOptions): StageProcessor {
  const probe = o.probe ?? new Probe();
  const t = o.topics;
  return {
    open: (positions: readonly CommittedPosition[]) =>
      openWorkers(
        { kafka: o.kafka, stateTopic: t.state, groupPrefix: o.groupId },
        t.intents,
        positions,
        (partition, rec) => {
          const planner = o.planners.create(partition, rec?.lanes[PLANNER_LANE]);
          const sources = new Map(Object.entries((rec?.lanes[SOURCES_LANE] ?? {}) as SourcePositions));
          return new PlanningWorker(partition, planner, sources, o, probe);
        },
      ),
  };
}

class PlanningWorker implements PartitionWorker {
  constructor(
    private readonly partition: number,
    private readonly planner: PartitionPlanner,
    private readonly sources: Map<string, [string, number]>,
    private readonly o: PlanningProcessorOptions,
    private readonly probe: Probe,
  ) {}

  async process(m: KafkaMessage, out: Output): Promise<void> {
    this.probe.processed('planning');
    const decoded = decodeIntent(m.value);
    if (!decoded.ok) {
      this.probe.deadLettered('planning', 'TR_ERR_INTENT_INVALID');
      out.send(
        this.o.topics.deadLetter,
        deadLetterMessage(
          {
            topic: this.o.topics.intents,
            partition: this.partition,
            offset: m.offset,
            key: m.key,
            value: m.value,
          },
          { code: 'TR_ERR_INTENT_INVALID', message: decoded.message },
          'planning',
        ),
      );
      return;
    }
    const { source } = decoded;
    const key = `${source.topic}/${source.partition}`;
    const last = this.sources.get(key);
    if (last && !after(source.offset, source.index, last)) {
      this.probe.repeat();
      return;
    }
    this.sources.set(key, [source.offset, source.index]);
    for (const a of await this.planner.plan(decoded.intent)) {
      out.send(this.o.topics.adjustments, { key: adjustmentKey(a), value: JSON.stringify(a) });
      this.probe.planned(a);
    }
  }

  async checkpoint(nextOffset: string) {
    const t = this.o.topics;
    return {
      topic: t.state,
      message: stateMessage(
        {
          format: STATE_RECORD_FORMAT,
          topic: t.intents,
          partition: this.partition,
          nextOffset,
          rulesFingerprint: this.o.fingerprint,
          lanes: {
            [PLANNER_LANE]: await this.planner.snapshot(),
            [SOURCES_LANE]: Object.fromEntries(this.sources) as SourcePositions,
          },
        },
        t.statePartitions,
      ),
    };
  }
}

/** (offset, index) comes after `last` in its source's order */
function after(offset: string, index: number, last: [string, number]): boolean {
  const a = BigInt(offset);
  const b = BigInt(last[0]);
  return a > b || (a === b && index > last[1]);
}
