import type { PipelineRole } from '../app/pipeline.js';
import type { PipelineSubscriber } from './pipeline-events.js';
import type { StatusModel } from './status-model.js';

/** What a `run` instance's status page can show, by role: each process sees only its own part. */
export function instanceView(role: PipelineRole, instanceId: string): string {
  const who = `instance ${instanceId}, role ${role}`;
  switch (role) {
    case 'all':
      return `${who}: the trunk groups and adjustments of the Kafka partitions this instance owns (other instances of the group show theirs)`;
    case 'rules':
      return `${who}: utilization, firings and planned adjustments of the partitions it owns; outcomes are on the writer instances' pages`;
    case 'writer':
      return `${who}: the adjustments it applies and their outcomes; utilization and firings are on the rules instances' pages`;
  }
}

/**
 * Feeds a StatusModel from the instance's pipeline events, and keeps the page's feed line
 * (label, what this process sees, events evaluated so far) current.
 */
export function statusSubscriber(
  model: StatusModel,
  feed: { label: string; view: string },
): PipelineSubscriber {
  const state = { ...feed, done: 0, total: null, finished: false };
  model.feed(() => state);
  return {
    'rules.sample': ({ sample, refused }) => {
      state.done++;
      if (refused === null) model.sample(sample);
    },
    'rules.transition': (e) => model.transition(e.transition),
    'planning.adjustment': (e) => model.adjustment(e.adjustment),
    'writer.adjustment': (e) => model.adjustment(e.adjustment),
    'planning.skip': (e) => model.skipped(e.skip),
    'writer.outcome': (e) => model.outcome(e.outcome),
  };
}
