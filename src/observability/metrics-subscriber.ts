import type { Metrics } from './metrics.js';
import { type Probe, subscribe } from './pipeline-events.js';

/** The WFM's conflict codes, by the kind the conflicts metric labels them with. */
const CONFLICT_KINDS: Record<string, string> = {
  VERSION_CONFLICT: 'stale-version',
  SHIFT_OVERLAP: 'overlap',
  SCHEDULE_LOCKED: 'locked',
  IDEMPOTENCY_KEY_IN_FLIGHT: 'key-in-flight',
  SCHEDULE_CONFLICT: 'opaque',
};

/**
 * Counts one instance's pipeline events into its Prometheus metrics (metrics.ts); returns
 * the unsubscribe.
 */
export function subscribeMetrics(probe: Probe, m: Metrics): () => void {
  return subscribe(probe, {
    'stage.consumed': (e) => {
      m.eventsConsumed.inc({ topic: e.topic }, e.messages);
      m.consumerLag.set({ topic: e.topic, partition: String(e.partition) }, e.lag);
    },
    'stage.dead-lettered': (e) => m.eventsDeadLettered.inc({ code: e.code }),
    'stage.transaction': (e) => m.transactionLatency.observe({ stage: e.stage }, e.seconds),
    'rules.sample': () => m.ruleEvaluations.inc(),
    'rules.intent': (e) => m.ruleFirings.inc({ rule: e.intent.ruleId }),
    'writer.deferred': (e) => {
      m.adjustments.inc({ status: 'deferred' });
      m.deferredAdjustments.set(e.waiting);
    },
    'writer.settled': (e) => {
      m.deferredAdjustments.set(e.waiting);
      m.adjustments.inc({ status: e.status });
      if (e.seconds !== null) m.applyLatency.observe(e.seconds);
    },
    'wfm.request': ({ request: r }) => {
      m.wfmCalls.inc({ route: r.route, status: String(r.status ?? 0) });
      m.wfmLatency.observe({ route: r.route }, r.durationMs / 1000);
      const kind = r.status === 409 && r.code ? CONFLICT_KINDS[r.code] : undefined;
      if (kind) m.conflicts.inc({ kind });
    },
  });
}
