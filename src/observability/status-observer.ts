import type { PipelineObserver } from '../app/observer.js';
import type { PipelineRole } from '../app/pipeline.js';
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
 * Feeds a StatusModel from the pipeline's observer callbacks, and keeps the page's feed
 * line (label, what this process sees, events evaluated so far) current.
 */
export function statusObserver(model: StatusModel, feed: { label: string; view: string }): PipelineObserver {
  const state = { ...feed, done: 0, total: null, finished: false };
  const tick = () => {
    state.done++;
  };
  model.feed(() => state);
  return {
    sample(s) {
      tick();
      model.sample(s);
    },
    refused: tick,
    transition: (t) => model.transition(t),
    adjustment: (a) => model.adjustment(a),
    skipped: (s) => model.skipped(s),
    outcome: (o) => model.outcome(o),
  };
}
