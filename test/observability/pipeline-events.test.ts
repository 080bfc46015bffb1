import diagnostics_channel from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import type { TrunkSample } from '../../src/events/trunk-event.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { subscribeMetrics } from '../../src/observability/metrics-subscriber.js';
import { type PipelineEvent, Probe, subscribe } from '../../src/observability/pipeline-events.js';
import { PipelineTally } from '../../src/observability/pipeline-tally.js';
import type { Intent } from '../../src/rules/intent.js';
import type { Outcome } from '../../src/writer/outcome.js';

const sample = { trunkId: 't1', time: 0 } as TrunkSample;
const intent = (ruleId: string) => ({ ruleId }) as Intent;
const outcome = (key: string, status: Outcome['status']) => ({ key, status }) as Outcome;

describe('the pipeline event stream', () => {
  it('brings each typed event to the subscribers of the instance that published it', () => {
    const probe = new Probe('a');
    const samples: Array<PipelineEvent<'rules.sample'>> = [];
    const outcomes: Outcome[] = [];
    const off = subscribe(probe, {
      'rules.sample': (e) => samples.push(e),
      'writer.outcome': (e) => outcomes.push(e.outcome),
    });
    probe.sample(sample, null);
    probe.sample(sample, 'TR_ERR_EVENT_LATE');
    probe.outcome(outcome('k1', 'deferred'));
    probe.intent(intent('r1')); // nobody here listens to intents
    off();
    probe.sample(sample, null);
    expect(samples).toEqual([
      { instance: probe, sample, refused: null },
      { instance: probe, sample, refused: 'TR_ERR_EVENT_LATE' },
    ]);
    expect(outcomes).toEqual([outcome('k1', 'deferred')]);
  });

  it('keeps two instances in one process apart: neither counts the other’s events', () => {
    const a = new Probe('a');
    const b = new Probe('b');
    const ta = new PipelineTally(a);
    const tb = new PipelineTally(b);
    a.processed('rules');
    a.processed('rules');
    a.intent(intent('r1'));
    a.committed('rules', 0, 2, [['adjustments', 3]]);
    b.processed('rules');
    b.aborted('planning', 1);
    ta.close();
    tb.close();
    expect(ta.rules).toEqual({ events: 2, deadLettered: 0, intents: 1 });
    expect(tb.rules).toEqual({ events: 1, deadLettered: 0, intents: 0 });
    expect(ta.committed('adjustments')).toBe(3);
    expect(tb.committed('adjustments')).toBe(0);
    expect(ta.stage('planning').aborted).toBe(0);
    expect(tb.stage('planning').aborted).toBe(1);
  });

  it('keeps a throwing subscriber out of the stage: logged once per event, later events still reach it and the others', async () => {
    const probe = new Probe();
    const warnings: string[] = [];
    let calls = 0;
    const others: string[] = [];
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    const offs = [
      subscribe(
        probe,
        {
          'writer.outcome': () => {
            calls++;
            throw new Error('subscriber bug');
          },
        },
        (_obj, msg) => warnings.push(msg),
      ),
      subscribe(probe, { 'writer.outcome': (e) => others.push(e.outcome.key) }),
    ];
    try {
      expect(() => probe.outcome(outcome('k1', 'applied'))).not.toThrow();
      expect(() => probe.outcome(outcome('k2', 'applied'))).not.toThrow();
      // diagnostics_channel hands a subscriber's error to the process on the next tick
      await new Promise((r) => setImmediate(r));
    } finally {
      for (const off of offs) off();
      process.off('uncaughtException', onUncaught);
    }
    expect(calls).toBe(2);
    expect(others).toEqual(['k1', 'k2']);
    expect(uncaught).toEqual([]);
    expect(warnings).toEqual([
      "a subscriber to pipeline event 'writer.outcome' threw; its later errors are not logged",
    ]);
  });

  it('publishes on named channels that have subscribers only while someone listens', () => {
    const name = 'trunk-reactor:planning.skip';
    const probe = new Probe();
    expect(diagnostics_channel.channel(name).hasSubscribers).toBe(false);
    const off = subscribe(probe, { 'planning.skip': () => {} });
    expect(diagnostics_channel.channel(name).hasSubscribers).toBe(true);
    off();
    expect(diagnostics_channel.channel(name).hasSubscribers).toBe(false);
  });

  it('counts into the Prometheus metrics under their names and labels', async () => {
    const probe = new Probe();
    const metrics = createMetrics({ defaultMetrics: false });
    const off = subscribeMetrics(probe, metrics);
    probe.consumed('rules', 'events', 2, 5, 7);
    probe.deadLettered('rules', 'TR_ERR_EVENT_DECODE');
    probe.sample(sample, null);
    probe.sample(sample, 'TR_ERR_EVENT_LATE');
    probe.intent(intent('surge'));
    probe.deferred('k1', 1);
    probe.settled('applied', 0.2, 0);
    probe.settled('dead-lettered', null, 0);
    probe.transaction('planning', 0.03);
    probe.wfmRequest({
      route: 'patch-shift',
      method: 'PATCH',
      status: 409,
      code: 'VERSION_CONFLICT',
      durationMs: 40,
      replayed: false,
    });
    new Probe().intent(intent('surge')); // another instance's
    off();
    probe.intent(intent('surge'));
    const text = await metrics.registry.metrics();
    for (const line of [
      'trunk_reactor_events_consumed_total{topic="events"} 5',
      'trunk_reactor_consumer_lag{topic="events",partition="2"} 7',
      'trunk_reactor_events_dead_lettered_total{code="TR_ERR_EVENT_DECODE"} 1',
      'trunk_reactor_rule_evaluations_total 2',
      'trunk_reactor_rule_firings_total{rule="surge"} 1',
      'trunk_reactor_adjustments_total{status="deferred"} 1',
      'trunk_reactor_adjustments_total{status="applied"} 1',
      'trunk_reactor_adjustments_total{status="dead-lettered"} 1',
      'trunk_reactor_deferred_adjustments 0',
      'trunk_reactor_adjustment_apply_seconds_count 1',
      'trunk_reactor_kafka_transaction_seconds_count{stage="planning"} 1',
      'trunk_reactor_wfm_calls_total{route="patch-shift",status="409"} 1',
      'trunk_reactor_wfm_request_seconds_count{route="patch-shift"} 1',
      'trunk_reactor_conflicts_total{kind="stale-version"} 1',
    ])
      expect(text).toContain(line);
  });
});
