import { IDEMPOTENT_SEND_RETRY } from '../kafka/kafka-retry.js';
import type { DemoOptions, Replay } from './demo-run.js';
import { startDemoWfm } from './demo-wfm.js';
import { type Cleanup, runCleanup, startDemoPipeline } from './kafka-pipeline.js';
import { scenarioTicks } from './kafka-ticks.js';
import { loadScenario, scenarioModel } from './scenario.js';

export type { KafkaDemoOptions } from './kafka-pipeline.js';

/**
 * The replay through Kafka: the story is produced into real topics one minute of event
 * time at a time and consumed by the real pipeline (repartition → rules → adjustments →
 * writer → outcomes) of this process, writing into the in-process sandbox of the chosen WFM
 * through the backend its config section names (`wfm.kind`), as `trunk-reactor run` would.
 *
 * Time: the sandbox's virtual clock is the world's. It moves to a minute's events before
 * they are produced, and the next minute is produced only once the pipeline is idle —
 * every event of the minute committed by the rules stage and every adjustment it caused
 * written or deferred — so each write happens at its moment in the story, as in the
 * in-process replay. While a deferral waits for the publish window to close, the writer
 * stage pauses that partition (docs/pipeline.md): the demo then waits for the rules stage
 * only and lets time run on; the deferral ends when the clock passes the window.
 */
export const replayThroughKafka: Replay = async (o: DemoOptions, killSwitch, serve) => {
  const k = o.kafka;
  if (!k) throw new TypeError('replayThroughKafka needs the kafka options');
  const scenario = await loadScenario(o);
  const ticks = scenarioTicks(scenario);
  const cleanup: Cleanup = [];
  try {
    const model = scenarioModel(scenario);
    await serve(model);
    const wfm = await startDemoWfm(o, scenario);
    cleanup.push(() => wfm.close());
    const p = await startDemoPipeline({ k, scenario, wfm, model, killSwitch, cleanup });
    const producer = p.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      retry: IDEMPOTENT_SEND_RETRY,
    });
    await producer.connect();
    cleanup.push(() => producer.disconnect());

    let produced = 0;
    for (const [i, tick] of ticks.entries()) {
      if (i > 0 && (o.paceMs ?? 0) > 0) await new Promise((r) => setTimeout(r, o.paceMs));
      if (tick.time > wfm.clock.now()) wfm.clock.set(tick.time);
      await producer.send({ topic: p.config.kafka.topics.events, messages: tick.messages });
      produced += tick.messages.length;
      model.feed({
        label: 'demo through Kafka',
        done: produced,
        total: scenario.lines.length,
        finished: false,
      });
      await p.idle(tick.time);
      o.progress(produced, scenario.lines.length, wfm.clock.now());
    }
    const summary = await p.summarize('kafka', scenario.lines.length);
    return { summary, model };
  } finally {
    await runCleanup(cleanup);
  }
};
