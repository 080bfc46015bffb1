import type { PipelineSubscriber } from '../observability/pipeline-events.js';
import type { DemoTally } from './kafka-tally.js';

/** The Kafka pipeline's events the demo's tally takes (kafka-tally.ts). */
export function tallySubscriber(tally: DemoTally): PipelineSubscriber {
  return {
    'rules.sample': ({ sample, refused }) => {
      if (refused === null) tally.sample(sample);
      else tally.refused(sample, refused);
    },
    'rules.transition': (e) => tally.transition(e.transition),
    'planning.adjustment': (e) => tally.adjustment(e.adjustment),
    'writer.adjustment': (e) => tally.adjustment(e.adjustment),
    'planning.skip': (e) => tally.skipped(e.skip),
    'writer.outcome': (e) => tally.outcome(e.outcome),
  };
}
