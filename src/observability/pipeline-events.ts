import diagnostics_channel, { type Channel } from 'node:diagnostics_channel';
import type { TrunkSample } from '../events/trunk-event.js';
import type { Adjustment } from '../planner/adjustment.js';
import type { Skip } from '../planner/resolve-intent.js';
import type { RuleTransition } from '../rules/engine.js';
import type { Intent } from '../rules/intent.js';
import type { WfmRequestEvent } from '../wfm/http-client.js';
import type { Outcome } from '../writer/outcome.js';

/**
 * Everything the pipeline tells about itself, by event name: the payload each event carries
 * besides `instance`. `stage` is the stage's name (repartition, rules, planning, writer).
 * Replays after an aborted transaction or a rebalance are told again, and a sample once per
 * lane that evaluates it: subscribers must tolerate repeats.
 */
export interface PipelineEvents {
  /** a batch fetched from an input partition, and the partition's lag behind its end */
  'stage.consumed': { stage: string; topic: string; partition: number; messages: number; lag: number };
  /** a stage's worker took one input message (replays included) */
  'stage.processed': { stage: string };
  /** a stage sent an input message to the dead-letter topic, with the error code */
  'stage.dead-lettered': { stage: string; code: string };
  /** one transaction of a stage, from its first request to the commit */
  'stage.transaction': { stage: string; seconds: number };
  /** a transaction committed: input messages it covered, records it wrote per topic */
  'stage.committed': {
    stage: string;
    partition: number;
    messages: number;
    outputs: ReadonlyArray<readonly [topic: string, records: number]>;
  };
  /** a batch or a transaction failed: the partition goes back to its committed offset */
  'stage.aborted': { stage: string; partition: number };
  /** the repartition stage re-produced an event for one lane */
  'repartition.routed': { lane: string };
  /** the rules engine evaluated a sample; `refused` is the refusal's code (late, duplicate) */
  'rules.sample': { sample: TrunkSample; refused: string | null };
  /** a rule's phase changed in some scope (pending, firing, inactive) */
  'rules.transition': { transition: RuleTransition };
  /** a rule acted: its intent is sent to the planning stage */
  'rules.intent': { intent: Intent };
  /** the planning stage dropped an intent it had planned already (a replay upstream) */
  'planning.repeat': Record<never, never>;
  /** the planning stage planned an adjustment */
  'planning.adjustment': { adjustment: Adjustment };
  /** an intent part the planner did not turn into an adjustment (a guardrail, the kill switch) */
  'planning.skip': { skip: Skip };
  /** the writer received an adjustment to apply */
  'writer.adjustment': { adjustment: Adjustment };
  /** every outcome record of the writer, `deferred` ones included */
  'writer.outcome': { outcome: Outcome };
  /** the writer deferred an adjustment past a publish window; `waiting`: deferred ones now */
  'writer.deferred': { key: string; waiting: number };
  /**
   * the writer stage has an adjustment's terminal outcome, `seconds` after submitting it, or
   * (seconds null) dead-lettered a record that is no adjustment; `waiting`: deferred ones now
   */
  'writer.settled': { status: Outcome['status']; seconds: number | null; waiting: number };
  /** the writer stage paused a partition (its in-flight cap, a deferred or stuck head) */
  'writer.paused': { partition: number };
  /** one WFM HTTP call finished */
  'wfm.request': { request: WfmRequestEvent };
}

export type PipelineEventName = keyof PipelineEvents;

/** An event as subscribers receive it: its payload and the instance that published it. */
export type PipelineEvent<K extends PipelineEventName> = Readonly<PipelineEvents[K] & { instance: Probe }>;

/** The diagnostics channel of an event: `trunk-reactor:<event>`. */
const channelName = (name: PipelineEventName) => `trunk-reactor:${name}`;
const channel = (name: PipelineEventName): Channel => diagnostics_channel.channel(channelName(name));

const C = {
  consumed: channel('stage.consumed'),
  processed: channel('stage.processed'),
  deadLettered: channel('stage.dead-lettered'),
  transaction: channel('stage.transaction'),
  committed: channel('stage.committed'),
  aborted: channel('stage.aborted'),
  routed: channel('repartition.routed'),
  sample: channel('rules.sample'),
  transition: channel('rules.transition'),
  intent: channel('rules.intent'),
  repeat: channel('planning.repeat'),
  planned: channel('planning.adjustment'),
  skip: channel('planning.skip'),
  received: channel('writer.adjustment'),
  outcome: channel('writer.outcome'),
  deferred: channel('writer.deferred'),
  settled: channel('writer.settled'),
  paused: channel('writer.paused'),
  wfmRequest: channel('wfm.request'),
};

/**
 * One pipeline instance's publisher: the stages and adapters of an instance share one, and
 * every event carries it as `instance`, so that subscribers of one instance never count
 * another's (tests and the demo run several in one process). Each method publishes only
 * when its channel has subscribers: with nobody listening, an event costs one property read
 * and allocates nothing.
 */
export class Probe {
  /** the events whose payload is only the stage's name: made once per stage */
  readonly #processed = new Map<string, PipelineEvent<'stage.processed'>>();
  readonly #repeat: PipelineEvent<'planning.repeat'> = Object.freeze({ instance: this });

  /** names the instance (its instance id, where it has one) */
  constructor(readonly id = 'pipeline') {}

  consumed(stage: string, topic: string, partition: number, messages: number, lag: number): void {
    if (C.consumed.hasSubscribers)
      C.consumed.publish({ instance: this, stage, topic, partition, messages, lag });
  }

  processed(stage: string): void {
    if (!C.processed.hasSubscribers) return;
    let e = this.#processed.get(stage);
    if (!e) {
      e = Object.freeze({ instance: this, stage });
      this.#processed.set(stage, e);
    }
    C.processed.publish(e);
  }

  deadLettered(stage: string, code: string): void {
    if (C.deadLettered.hasSubscribers) C.deadLettered.publish({ instance: this, stage, code });
  }

  transaction(stage: string, seconds: number): void {
    if (C.transaction.hasSubscribers) C.transaction.publish({ instance: this, stage, seconds });
  }

  committed(
    stage: string,
    partition: number,
    messages: number,
    outputs: ReadonlyArray<readonly [string, number]>,
  ): void {
    if (C.committed.hasSubscribers)
      C.committed.publish({ instance: this, stage, partition, messages, outputs });
  }

  aborted(stage: string, partition: number): void {
    if (C.aborted.hasSubscribers) C.aborted.publish({ instance: this, stage, partition });
  }

  routed(lane: string): void {
    if (C.routed.hasSubscribers) C.routed.publish({ instance: this, lane });
  }

  sample(sample: TrunkSample, refused: string | null): void {
    if (C.sample.hasSubscribers) C.sample.publish({ instance: this, sample, refused });
  }

  transition(transition: RuleTransition): void {
    if (C.transition.hasSubscribers) C.transition.publish({ instance: this, transition });
  }

  intent(intent: Intent): void {
    if (C.intent.hasSubscribers) C.intent.publish({ instance: this, intent });
  }

  repeat(): void {
    if (C.repeat.hasSubscribers) C.repeat.publish(this.#repeat);
  }

  planned(adjustment: Adjustment): void {
    if (C.planned.hasSubscribers) C.planned.publish({ instance: this, adjustment });
  }

  skip(skip: Skip): void {
    if (C.skip.hasSubscribers) C.skip.publish({ instance: this, skip });
  }

  received(adjustment: Adjustment): void {
    if (C.received.hasSubscribers) C.received.publish({ instance: this, adjustment });
  }

  outcome(outcome: Outcome): void {
    if (C.outcome.hasSubscribers) C.outcome.publish({ instance: this, outcome });
  }

  deferred(key: string, waiting: number): void {
    if (C.deferred.hasSubscribers) C.deferred.publish({ instance: this, key, waiting });
  }

  settled(status: Outcome['status'], seconds: number | null, waiting: number): void {
    if (C.settled.hasSubscribers) C.settled.publish({ instance: this, status, seconds, waiting });
  }

  paused(partition: number): void {
    if (C.paused.hasSubscribers) C.paused.publish({ instance: this, partition });
  }

  wfmRequest(request: WfmRequestEvent): void {
    if (C.wfmRequest.hasSubscribers) C.wfmRequest.publish({ instance: this, request });
  }
}

/** What a subscriber listens to: a handler per event name, each optional. */
export type PipelineSubscriber = { [K in PipelineEventName]?: (e: PipelineEvent<K>) => void };

type Warn = (obj: object, msg: string) => void;

/**
 * Subscribes to one instance's events (others' are ignored); returns the unsubscribe.
 * Handlers run inside the stage that publishes, in its transaction: a handler that throws
 * must not abort that transaction (the batch would be replayed forever), so its errors are
 * swallowed and told to `warn`, once per event name.
 */
export function subscribe(probe: Probe, subscriber: PipelineSubscriber, warn?: Warn): () => void {
  const warned = new Set<PipelineEventName>();
  const off: Array<() => void> = [];
  for (const name of Object.keys(subscriber) as PipelineEventName[]) {
    const handler = subscriber[name] as ((e: unknown) => void) | undefined;
    if (!handler) continue;
    const listener = (message: unknown) => {
      if ((message as { instance?: unknown }).instance !== probe) return;
      try {
        handler(message);
      } catch (err) {
        if (warned.has(name)) return;
        warned.add(name);
        warn?.(
          { err, event: name },
          `a subscriber to pipeline event '${name}' threw; its later errors are not logged`,
        );
      }
    };
    const c = channelName(name);
    diagnostics_channel.subscribe(c, listener);
    off.push(() => diagnostics_channel.unsubscribe(c, listener));
  }
  return () => {
    for (const f of off.splice(0)) f();
  };
}
