import type { Config } from '../config/schema.js';
import { TopicLayoutError } from './errors.js';
import type { KafkaAdmin } from './port.js';

export interface TopicSpec {
  topic: string;
  partitions: number;
  /** compacted (the rule-state topic) */
  compact?: boolean;
  /** a topic this service owns: an existing one must have exactly `partitions` */
  exact?: boolean;
}

/** The topics one deployment uses, from the config. */
export function pipelineTopics(k: Config['kafka']): TopicSpec[] {
  const t = k.topics;
  return [
    { topic: t.events, partitions: k.partitions },
    { topic: t.deadLetter, partitions: k.partitions },
    { topic: t.adjustments, partitions: k.partitions },
    { topic: t.outcomes, partitions: k.partitions },
    { topic: t.repartition, partitions: k.partitions, exact: true },
    { topic: t.intents, partitions: k.partitions, exact: true },
    { topic: t.state, partitions: k.partitions, compact: true },
  ];
}

/**
 * Creates the missing topics (auto-creation is off on a proper cluster) and checks the
 * existing ones. Returns the partition count of every topic. Idempotent: several
 * instances starting together may race to create; TOPIC_ALREADY_EXISTS is fine.
 */
export async function ensureTopics(
  admin: Pick<KafkaAdmin, 'listTopics' | 'createTopics' | 'fetchTopicMetadata'>,
  specs: readonly TopicSpec[],
  replicationFactor = 1,
): Promise<Map<string, number>> {
  const names = [...new Set(specs.map((s) => s.topic))];
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((s) => !existing.has(s.topic));
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((s) => ({
        topic: s.topic,
        numPartitions: s.partitions,
        replicationFactor,
        ...(s.compact ? { configEntries: [{ name: 'cleanup.policy', value: 'compact' }] } : {}),
      })),
    });
  }
  const meta = await admin.fetchTopicMetadata({ topics: names });
  const counts = new Map(meta.topics.map((t) => [t.name, t.partitions.length]));
  for (const s of specs) {
    const n = counts.get(s.topic);
    if (n === undefined)
      throw new TopicLayoutError(`topic '${s.topic}' does not exist and could not be created`);
    if (s.exact && n !== s.partitions) {
      throw new TopicLayoutError(
        `topic '${s.topic}' has ${n} partitions, kafka.partitions says ${s.partitions}: set kafka.partitions to ${n} or recreate the topic (its key→partition mapping is part of the state)`,
      );
    }
  }
  return counts;
}

/**
 * A topic's `max.message.bytes` as the broker applies it (the topic's override, else the
 * broker's `message.max.bytes`): the largest record batch it takes.
 */
export async function topicMaxMessageBytes(
  admin: Pick<KafkaAdmin, 'topicConfig'>,
  topic: string,
): Promise<number> {
  const config = await admin.topicConfig(topic, ['max.message.bytes']);
  const value = Number(config.get('max.message.bytes'));
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new TopicLayoutError(`topic '${topic}': the broker did not say its max.message.bytes`);
  return value;
}
