import type { LoadedConfig } from '../config/load.js';
import type { RunningGenesysSandbox } from '../sandbox/genesys-cloud/server.js';
import type { RunningSandbox } from '../sandbox/server.js';
import type { VirtualClock } from '../sandbox/virtual-clock.js';
import type { Clock } from '../time/clock.js';
import type { WfmAdapter } from '../wfm/adapter.js';
import type { Outcome } from '../writer/outcome.js';
import { startContractWfm } from './contract-wfm.js';
import type { DemoOptions } from './demo-run.js';
import { startGenesysWfm } from './genesys-wfm.js';
import type { Scenario } from './scenario.js';
import type { DemoSummary } from './summary.js';

/** The WFMs the demo can write to: the seed contract's sandbox, or the emulated Genesys Cloud org. */
export const DEMO_WFM_KINDS = ['contract', 'genesys-cloud'] as const;
export type DemoWfmKind = (typeof DEMO_WFM_KINDS)[number];

/** The backend the in-process replay's planner reads through and its writer writes through. */
export interface DemoBackend {
  adapter: WfmAdapter;
  /** adjustments the writer works on at once: the backend's default, as `run` has it */
  concurrency: number;
  /** requests the backend has sent */
  requests(): number;
  close(): Promise<void>;
}

interface DemoWfmBase {
  /** the API base the reactor is pointed at */
  readonly url: string;
  /** the business unit's zone */
  readonly zone: string;
  /** the sandbox's virtual clock: the story's time, moved by the replay */
  readonly clock: VirtualClock;
  /** in process: a backend on the sandbox, its waits on `clock` */
  connect(clock: Clock): DemoBackend;
  /**
   * through Kafka: the config's `wfm` section pointing at the sandbox, and the secrets
   * assemble is handed (the config names where a service would read them from)
   */
  config(): { wfm: Record<string, unknown>; secrets: LoadedConfig['secrets'] };
  /**
   * The summary's WFM half once every adjustment is final: what the sandbox's ledger holds,
   * the conflicts and locks met, the calls. `finals` are the adjustments' terminal outcomes,
   * `adapter` the backend that wrote and `requests` what it reported sending.
   */
  report(summary: DemoSummary, finals: readonly Outcome[], adapter: WfmAdapter, requests: number): void;
  close(): Promise<void>;
}

/** The sandbox the demo writes into, started from the scenario's schedule snapshot. */
export type DemoWfm =
  | (DemoWfmBase & { readonly kind: 'contract'; readonly sandbox: RunningSandbox })
  | (DemoWfmBase & { readonly kind: 'genesys-cloud'; readonly sandbox: RunningGenesysSandbox });

/**
 * Starts the sandbox of the WFM `o.wfm` names on free ports, its virtual clock at the story's
 * start, with the publish window and the other integration racing the reactor's writes, and
 * tells `o`'s callbacks.
 */
export async function startDemoWfm(
  o: Pick<DemoOptions, 'wfm' | 'otherIntegrationShare' | 'onWfm' | 'onSandbox'>,
  scenario: Scenario,
): Promise<DemoWfm> {
  const wfm =
    o.wfm === 'genesys-cloud'
      ? await startGenesysWfm(scenario, o.otherIntegrationShare)
      : await startContractWfm(scenario, o.otherIntegrationShare);
  if (wfm.kind === 'contract') o.onSandbox?.(wfm.sandbox);
  o.onWfm?.(wfm);
  return wfm;
}
