import { DEFAULTS } from '../config/defaults.js';
import { DEFAULT_TOKENS } from '../sandbox/options.js';
import { type RunningSandbox, startSandbox } from '../sandbox/server.js';
import { DEFAULT_PUBLISH_WINDOW } from '../time/publish-window.js';
import { WfmHttpClient } from '../wfm/http-client.js';
import type { DemoWfm } from './demo-wfm.js';
import type { Scenario } from './scenario.js';

/** The sandbox's rate limit, and the Kafka demo's budget under it */
const REQUESTS_PER_MINUTE = 600;

/**
 * The seed contract's sandbox, in process, with its virtual clock at the story's start. The
 * other integration races the reactor's writes (`mutatorBeforeWriteShare`): its change lands
 * just before the reactor's write to a shift the rules adjust, after the reactor read it, so
 * the write meets the seed's stale-version 409. Changes on a timer of real time would fall on
 * shifts the story never adjusts, at moments unrelated to its writes (the writer reads a shift
 * a moment before writing it), and differ from run to run.
 */
export async function startContractWfm(s: Scenario, otherIntegrationShare: number): Promise<DemoWfm> {
  const sandbox: RunningSandbox = await startSandbox({
    port: 0,
    snapshot: s.snapshot,
    clockStart: s.start,
    publishWindow: DEFAULT_PUBLISH_WINDOW,
    behaviour: { rateLimitPerMinute: REQUESTS_PER_MINUTE, rateLimitBurst: 100 },
    faults: { mutatorBeforeWriteShare: otherIntegrationShare, seed: 7 },
  });
  const token = DEFAULT_TOKENS[0]!;
  return {
    kind: 'contract',
    sandbox,
    url: sandbox.baseUrl,
    zone: s.snapshot.businessUnit.timeZone,
    clock: sandbox.sandbox.clock,
    connect(clock) {
      let requests = 0;
      const client = new WfmHttpClient({
        baseUrl: sandbox.baseUrl,
        token,
        clock,
        onRequest: () => {
          requests++;
        },
      });
      return {
        adapter: client,
        concurrency: DEFAULTS.wfm.maxConcurrency.contract,
        requests: () => requests,
        close: () => client.close(),
      };
    },
    config: () => ({
      wfm: { baseUrl: sandbox.baseUrl, allowInsecureHttp: true, requestsPerMinute: REQUESTS_PER_MINUTE },
      // the config's default auth names the token's environment variable; the demo hands its value
      secrets: { wfmToken: token },
    }),
    report(summary, _finals, _adapter, requests) {
      const entries = sandbox.sandbox.ledger.since(1).entries;
      summary.ledger = {
        patches: entries.filter((e) => e.kind === 'patch').length,
        swaps: entries.filter((e) => e.kind === 'swap').length / 2,
        publish: entries.filter((e) => e.kind === 'publish').length,
        otherIntegration: entries.filter((e) => e.kind === 'mutator').length,
      };
      summary.httpCalls = requests;
      // a bulk swap's refused item is answered inside a 200, not as a 409 of its own
      const refused = (code: string) =>
        (sandbox.stats.byErrorCode[code] ?? 0) + (sandbox.stats.swapItemErrors[code] ?? 0);
      summary.conflicts.versionConflicts = refused('VERSION_CONFLICT');
      summary.conflicts.lockedAnswers = refused('SCHEDULE_LOCKED');
    },
    close: () => sandbox.close(),
  };
}
