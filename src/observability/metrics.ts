import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Every Prometheus metric trunk-reactor exports, in one registry per process (tests make
 * their own). Stages receive this object; they never touch prom-client's global registry.
 */
export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics !== false)
    collectDefaultMetrics({ register: registry, prefix: 'trunk_reactor_' });
  const registers = [registry];
  return {
    registry,
    eventsConsumed: new Counter({
      name: 'trunk_reactor_events_consumed_total',
      help: 'Trunk utilization events read from Kafka',
      labelNames: ['topic'],
      registers,
    }),
    eventsDeadLettered: new Counter({
      name: 'trunk_reactor_events_dead_lettered_total',
      help: 'Events sent to the dead-letter topic, by error code',
      labelNames: ['code'],
      registers,
    }),
    consumerLag: new Gauge({
      name: 'trunk_reactor_consumer_lag',
      help: 'Messages between the committed offset and the end of the partition',
      labelNames: ['topic', 'partition'],
      registers,
    }),
    ruleEvaluations: new Counter({
      name: 'trunk_reactor_rule_evaluations_total',
      help: 'Samples evaluated by the rules engine',
      registers,
    }),
    ruleFirings: new Counter({
      name: 'trunk_reactor_rule_firings_total',
      help: 'Intents produced by rules, by rule id',
      labelNames: ['rule'],
      registers,
    }),
    adjustments: new Counter({
      name: 'trunk_reactor_adjustments_total',
      help: 'Adjustment outcomes, by status (applied, already-applied, deferred, rejected, dead-lettered)',
      labelNames: ['status'],
      registers,
    }),
    deferredAdjustments: new Gauge({
      name: 'trunk_reactor_deferred_adjustments',
      help: 'Adjustments waiting for a publish window to close',
      registers,
    }),
    wfmCalls: new Counter({
      name: 'trunk_reactor_wfm_calls_total',
      help: 'WFM HTTP calls, by route and status code (0 = no answer)',
      labelNames: ['route', 'status'],
      registers,
    }),
    conflicts: new Counter({
      name: 'trunk_reactor_conflicts_total',
      help: 'WFM conflicts met, by kind (stale-version, overlap, locked, key-in-flight, opaque)',
      labelNames: ['kind'],
      registers,
    }),
    retries: new Counter({
      name: 'trunk_reactor_retries_total',
      help: 'WFM calls retried, by reason',
      labelNames: ['reason'],
      registers,
    }),
    wfmLatency: new Histogram({
      name: 'trunk_reactor_wfm_request_seconds',
      help: 'WFM request latency',
      labelNames: ['route'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    applyLatency: new Histogram({
      name: 'trunk_reactor_adjustment_apply_seconds',
      help: 'From submit to terminal outcome, per adjustment',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800],
      registers,
    }),
    transactionLatency: new Histogram({
      name: 'trunk_reactor_kafka_transaction_seconds',
      help: 'One Kafka transaction of a stage, from its first request to the commit, by stage',
      labelNames: ['stage'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    eventToWriteLatency: new Histogram({
      name: 'trunk_reactor_event_to_write_seconds',
      help: 'From the triggering event being produced to the WFM write it caused',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
