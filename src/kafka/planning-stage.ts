import type { Kafka, KafkaMessage } from 'kafkajs';
import type { Metrics } from '../observability/metrics.js';
import { adjustmentKey } from './adjustment-key.js';
import { deadLetterMessage } from './dead-letter.js';
import { decodeIntent } from './intent-record.js';
import type { PartitionPlanner, PlannerFactory } from './ports.js';
import type { CommittedPosition, Output, PartitionWorker, StageProcessor } from './stage/worker.js';
import { restoreStates } from './state-reader.js';
import { STATE_RECORD_FORMAT, stateMessage } from './state-record.js';

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
  stats?: PlanningStageStats;
  metrics?: Pick<Metrics, 'eventsDeadLettered'>;
}

export interface PlanningStageStats {
  intents: number;
  /** intents dropped as repeats of ones already planned (a replay upstream) */
  repeats: number;
  adjustments: number;
  deadLettered: number;
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
  const stats = o.stats ?? { intents: 0, repeats: 0, adjustments: 0, deadLettered: 0 };
  const t = o.topics;
  return {
    async open(positions: readonly CommittedPosition[]) {
      const records = await restoreStates(
        { kafka: o.kafka, stateTopic: t.state, groupPrefix: o.groupId },
        t.intents,
        positions,
      );
      const out = new Map<number, PartitionWorker>();
      for (const pos of positions) {
        const rec = records.get(pos.partition);
        const planner = o.planners.create(pos.partition, rec?.lanes[PLANNER_LANE]);
        const sources = new Map(Object.entries((rec?.lanes[SOURCES_LANE] ?? {}) as SourcePositions));
        out.set(pos.partition, new PlanningWorker(pos.partition, planner, sources, o, stats));
      }
      return out;
    },
  };
}

class PlanningWorker implements PartitionWorker {
  constructor(
    private readonly partition: number,
    private readonly planner: PartitionPlanner,
    private readonly sources: Map<string, [string, number]>,
    private readonly o: PlanningProcessorOptions,
    private readonly stats: PlanningStageStats,
  ) {}

  async process(m: KafkaMessage, out: Output): Promise<void> {
    this.stats.intents++;
    const decoded = decodeIntent(m.value);
    if (!decoded.ok) {
      this.stats.deadLettered++;
      this.o.metrics?.eventsDeadLettered.inc({ code: 'TR_ERR_INTENT_INVALID' });
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
      this.stats.repeats++;
      return;
    }
    this.sources.set(key, [source.offset, source.index]);
    for (const a of await this.planner.plan(decoded.intent)) {
      out.send(this.o.topics.adjustments, { key: adjustmentKey(a), value: JSON.stringify(a) });
      this.stats.adjustments++;
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
