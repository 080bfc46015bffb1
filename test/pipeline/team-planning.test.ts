import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { waitUntil } from '../kafka/wait-until.js';
import {
  appliedWrites,
  brokers,
  createTopics,
  duplicates,
  goldenSandbox,
  produceEvents,
  readTopic,
  settled,
  startAssembled,
  testConfig,
  testKafka,
} from './support/harness.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
});

const TRUNKS = 15;
const TEAM_CAP = 2;

/** One trunk-scoped rule acting on team sg-voice, capped at TEAM_CAP agents an hour. */
function cappedRulesFile(): string {
  const doc = {
    version: 1,
    engine: { allowedLateness: '0s' },
    defaults: {
      zone: 'Asia/Singapore',
      guardrails: {
        maxShiftLength: '24h',
        minShiftLength: '1h',
        minRest: '0s',
        maxAdjustmentsPerAgentPerDay: 1,
        maxAdjustmentsPerAgentPerWeek: 3,
        maxAgentsPerTeamPerHour: TEAM_CAP,
      },
    },
    rules: [
      {
        id: 'trunk-hot-extend',
        scope: { by: 'trunk', where: { trunkGroup: 'sg-byoc' } },
        when: { metric: 'utilization', aggregate: 'last', window: '1m', atLeast: 0.9 },
        cooldown: '1h',
        action: { extend: { team: 'sg-voice', by: '15m', endingWithin: '12h', maxAgents: 1 } },
      },
    ],
  };
  const file = join(mkdtempSync(join(tmpdir(), 'tr-rules-')), 'rules.yaml');
  writeFileSync(file, stringify(doc));
  return file;
}

/** Every trunk of sg-byoc runs hot at the same instants (09:00:00 and 09:00:10 SGT). */
function hotEventLines(): string[] {
  const lines: string[] = [];
  for (const second of ['00', '10']) {
    for (let i = 1; i <= TRUNKS; i++) {
      lines.push(
        JSON.stringify({
          schemaVersion: 1,
          trunkId: `sg-byoc-${String(i).padStart(2, '0')}`,
          trunkGroup: 'sg-byoc',
          region: 'apac',
          site: 'sg1',
          eventTime: `2026-11-27T09:00:${second}+08:00`,
          activeCalls: 29,
          capacity: 30,
        }),
      );
    }
  }
  return lines;
}

describe('planning per team (real broker, sandbox over HTTP)', () => {
  it('a per-team cap holds across input partitions: one planner sees every partition’s intents for the team', async () => {
    const { sandbox, admin } = await goldenSandbox();
    cleanup.push(() => sandbox.close());
    const config = testConfig({
      brokers: brokers(),
      sandboxUrl: sandbox.url,
      partitions: 3,
      rulesFile: cappedRulesFile(),
    });
    const kafka = testKafka(config.kafka.brokers);
    const kadmin = kafka.admin();
    await kadmin.connect();
    cleanup.push(() => kadmin.disconnect());
    await createTopics(kadmin, config);
    // keyed by trunk id, the 15 trunks spread over the 3 input partitions
    await produceEvents(kafka, config.kafka.topics.events, hotEventLines());

    const { app, fatal } = await startAssembled(config, cleanup);

    const p = app.pipeline;
    await waitUntil(() => p.rulesCommitted >= 2 * TRUNKS, 'the rules stage to commit every event', 60_000);
    const intents = p.intentsProduced;
    await waitUntil(
      () => p.planningCommitted >= intents,
      () => `the planning stage to commit all ${intents} intents (has ${p.planningCommitted})`,
      60_000,
    );
    const produced = () => p.committed(config.kafka.topics.adjustments);
    await settled(produced);
    await waitUntil(
      () => p.writerStats.outcomes >= produced(),
      () => `outcomes for all ${produced()} adjustments`,
      60_000,
    );
    expect(fatal()).toBeUndefined();

    // every trunk's rule acted, from every input partition
    expect(intents).toBe(TRUNKS);
    const keys = await readTopic(kafka, config.kafka.topics.intents, intents);
    expect(new Set(keys.map((k) => k.key))).toEqual(new Set(['team:sg-voice']));
    // one planner for sg-voice: the cap counts them all (a planner per input partition
    // would have allowed TEAM_CAP per partition)
    expect(produced()).toBe(TEAM_CAP);
    const writes = appliedWrites(await admin.ledger());
    expect(duplicates(writes)).toEqual([]);
    expect(writes).toHaveLength(TEAM_CAP);
  }, 120_000);
});
