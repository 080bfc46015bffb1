import { DEFAULTS } from '../config/defaults.js';
import { DEFAULT_GENESYS_CLIENTS, type GenesysClient } from '../sandbox/genesys-cloud/options.js';
import { type RunningGenesysSandbox, startGenesysSandbox } from '../sandbox/genesys-cloud/server.js';
import { DEFAULT_PUBLISH_WINDOW } from '../time/publish-window.js';
import { GenesysCloudWfm } from '../wfm/genesys-cloud/backend.js';
import type { DemoWfm } from './demo-wfm.js';
import type { Scenario } from './scenario.js';

/** Where the Kafka demo's config says the client secret comes from (docs/wfm-genesys-cloud.md's example) */
const CLIENT_SECRET_ENV = 'GENESYS_CLIENT_SECRET';

const HOUR_MS = 3_600_000;

/**
 * The OAuth client `trunk-reactor bridge` signs in with: its own, holding only the trunk
 * permission (docs/bridge-genesys-cloud.md), with a request budget of its own.
 */
export const BRIDGE_CLIENT: GenesysClient = {
  id: 'trunk-reactor-bridge',
  secret: 'sandbox-bridge-secret',
  permissions: ['telephony:plugin:all'],
};

/**
 * The emulated Genesys Cloud org (src/sandbox/genesys-cloud/), built from the scenario's
 * schedule snapshot: the same agents and shift ids, its teams as Teams API teams with the same
 * ids, so the rules and the planner see the story they see on the contract sandbox. Its virtual
 * clock starts at the story's start and its publish job runs in the same window. The other
 * integration races the reactor's uploads (`mutatorBeforeWriteShare`): for the share of agent
 * schedules the seed picks, its change lands just before the first upload touching the agent,
 * so that upload is based on a stale version. The same org holds the trunks of the scenario's
 * events, waiting to be played as trunk metrics, and an OAuth client for the bridge reading them.
 */
export async function startGenesysWfm(s: Scenario, otherIntegrationShare: number): Promise<DemoWfm> {
  const sandbox: RunningGenesysSandbox = await startGenesysSandbox({
    port: 0,
    loginPort: 0,
    snapshot: s.snapshot,
    clockStart: s.start,
    publishWindow: DEFAULT_PUBLISH_WINDOW,
    // The backend renews its notification channel an hour before the 24 h are up by the system
    // clock; the org counts a channel's life on the virtual clock, which the replay moves across
    // the quiet Saturday in a moment. A channel that expired there would lose the next upload's
    // result in the reconnect: its channels live as long as the story instead.
    behaviour: { channelTtlHours: Math.ceil((s.end - s.start) / HOUR_MS) + 24 },
    faults: { mutatorBeforeWriteShare: otherIntegrationShare, seed: 7 },
    clients: [...DEFAULT_GENESYS_CLIENTS, BRIDGE_CLIENT],
    trunks: { eventsFile: s.files.eventsFile },
  });
  const client = DEFAULT_GENESYS_CLIENTS[0]!;
  const businessUnitId = s.snapshot.businessUnit.id;
  return {
    kind: 'genesys-cloud',
    sandbox,
    url: sandbox.apiBaseUrl,
    zone: s.snapshot.businessUnit.timeZone,
    clock: sandbox.wfm.clock,
    connect(clock) {
      const backend = new GenesysCloudWfm({
        apiBaseUrl: sandbox.apiBaseUrl,
        loginBaseUrl: sandbox.loginUrl,
        businessUnitId,
        clientId: client.id,
        clientSecret: client.secret,
        clock,
        teams: { kind: 'teams-api' },
        publishWindow: DEFAULT_PUBLISH_WINDOW,
      });
      return {
        adapter: backend,
        concurrency: DEFAULTS.wfm.maxConcurrency['genesys-cloud'],
        requests: () => backend.http.calls.api,
        close: () => backend.close(),
      };
    },
    config: () => ({
      wfm: {
        kind: 'genesys-cloud',
        allowInsecureHttp: true,
        genesysCloud: {
          apiBaseUrl: sandbox.apiBaseUrl,
          loginBaseUrl: sandbox.loginUrl,
          businessUnitId,
          clientId: client.id,
          clientSecret: { env: CLIENT_SECRET_ENV },
          teams: 'teams-api',
        },
      },
      // what a service would read from that variable: the demo hands it over without setting it
      secrets: { wfmClientSecret: client.secret },
    }),
    report(summary, finals, adapter) {
      const entries = sandbox.wfm.store.ledger.since(1).entries;
      const ours = entries.filter((e) => e.kind === 'update');
      // A swap moves a shift from each agent to the other: both agents' entries add a shift
      // (under a new id) and lose one. An update edits a shift in place.
      const swapSides = ours.filter((e) => e.shifts.some((c) => c.change === 'added')).length;
      summary.ledger = {
        patches: ours.length - swapSides,
        swaps: swapSides / 2,
        publish: entries.filter((e) => e.kind === 'publish').length,
        otherIntegration: entries.filter((e) => e.kind === 'mutator').length,
        agentSchedules: ours.length,
      };
      // Genesys answers a stale version with an Error result for the whole upload, naming no
      // agent: what the reactor met is counted per adjustment, by its first write.
      summary.conflicts.versionConflicts = finals.filter((f) => f.firstAttemptStale).length;
      // the publish lock is an Error result too; each one the writer met, it deferred through
      summary.conflicts.lockedAnswers = summary.outcomeRecords.filter((r) => r.status === 'deferred').length;
      if (!(adapter instanceof GenesysCloudWfm))
        throw new TypeError(
          'the Genesys Cloud demo reports the uploads of the GenesysCloudWfm that wrote them',
        );
      summary.httpCalls = adapter.http.calls.api;
      summary.uploads = {
        uploads: adapter.stats.uploads,
        errorResults: [...sandbox.wfm.operations.values()].filter(
          (op) => op.kind === 'update' && op.status === 'Error',
        ).length,
        agentsPerUpload: [...adapter.stats.agentsPerUpload],
        calls: { ...adapter.http.calls },
      };
    },
    close: () => sandbox.close(),
  };
}
