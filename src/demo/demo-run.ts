import type { RunningAdminServer } from '../observability/admin-server.js';
import type { StatusModel } from '../observability/status-model.js';
import { type KillSwitch, MemoryKillSwitch } from '../planner/kill-switch.js';
import type { RunningSandbox } from '../sandbox/server.js';
import { replayThroughBridge } from './bridge-replay.js';
import { type DemoAdminOptions, startDemoAdmin } from './demo-admin.js';
import type { DemoWfm, DemoWfmKind } from './demo-wfm.js';
import { type KafkaDemoOptions, replayThroughKafka } from './kafka-replay.js';
import { replayInMemory } from './memory-replay.js';
import type { DemoSummary } from './summary.js';

export type { DemoSummary } from './summary.js';

export interface DemoOptions {
  rulesFile: string;
  scheduleFile: string;
  eventsFile: string;
  /**
   * "another integration" writing to the same WFM: the share (0–1) of the shifts the reactor
   * writes that it changes between the reactor's read and the reactor's first write — so that
   * write meets a version conflict and re-applies its intent. Which shifts is fixed by the
   * sandbox's seed, so the story repeats.
   */
  otherIntegrationShare: number;
  /** one line of progress at a time */
  progress: (done: number, total: number, now: number) => void;
  /** the WFM written to: the seed contract's sandbox (default) or the emulated Genesys Cloud org */
  wfm?: DemoWfmKind;
  /** called once the WFM's sandbox is up, whichever it is */
  onWfm?: (wfm: DemoWfm) => void;
  /** called once the contract sandbox is up (not with `wfm: 'genesys-cloud'`) */
  onSandbox?: (sandbox: RunningSandbox) => void;
  /** real milliseconds to wait per minute of event time replayed (default 0: as fast as it goes) */
  paceMs?: number;
  /** serve the status page on an admin server (absent: none) */
  admin?: DemoAdminOptions;
  /** called once the admin server is up, with its address and what the page shows */
  onAdmin?: (admin: { url: string; model: StatusModel; killSwitch: KillSwitch }) => void;
  /** the switch the planner obeys (default: a fresh MemoryKillSwitch, flipped from the page) */
  killSwitch?: KillSwitch;
  /** runs after the replay while the status page is still served; the server closes when it settles */
  whileServing?: (summary: DemoSummary) => Promise<void>;
  /** produce the events into Kafka and run them through the Kafka pipeline (absent: in this process, no Kafka) */
  kafka?: KafkaDemoOptions;
  /**
   * where the trunk metrics come from: the events file (default), or the emulated Genesys Cloud
   * org playing the events file as trunk metrics, read by `trunk-reactor bridge genesys-cloud`
   * into Kafka (needs `kafka` and `wfm: 'genesys-cloud'`: one org holds both)
   */
  trunkMetrics?: 'events-file' | 'genesys-cloud';
}

/** One way of replaying the story; `serve` starts the status page once the model exists. */
export type Replay = (
  o: DemoOptions,
  killSwitch: KillSwitch,
  serve: (model: StatusModel) => Promise<void>,
) => Promise<{ summary: DemoSummary; model: StatusModel }>;

/**
 * The main job on embedded defaults: a recorded APAC scenario replayed through the real
 * rules engine, planner and writer into an in-process WFM sandbox over HTTP — in this
 * process, or with `kafka` through real topics and the Kafka pipeline; into the seed
 * contract's sandbox, or with `wfm: 'genesys-cloud'` the emulated Genesys Cloud org built
 * from the same schedule; with `trunkMetrics: 'genesys-cloud'` the events come from that org's
 * trunk metrics through the bridge. The sandbox's virtual clock follows the events, so the Sunday
 * 02:00 SGT publish window opens on time and the writer's deferral ends when the replay
 * passes 02:30.
 */
export async function runDemo(o: DemoOptions): Promise<DemoSummary> {
  const killSwitch = o.killSwitch ?? new MemoryKillSwitch();
  const bridged = o.trunkMetrics === 'genesys-cloud';
  const replay = bridged ? replayThroughBridge : o.kafka ? replayThroughKafka : replayInMemory;
  let admin: RunningAdminServer | undefined;
  try {
    const { summary, model } = await replay(o, killSwitch, async (model) => {
      if (!o.admin) return;
      admin = await startDemoAdmin(o.admin, model, killSwitch);
      o.onAdmin?.({ url: admin.url, model, killSwitch });
    });
    model.feed({
      label: bridged ? 'demo through the bridge' : o.kafka ? 'demo through Kafka' : 'demo replay',
      done: summary.events.read,
      total: summary.events.read,
      finished: true,
    });
    await o.whileServing?.(summary);
    return summary;
  } finally {
    await admin?.close();
  }
}
