import { afterEach, describe, expect, it } from 'vitest';
import { groupIds } from '../../src/app/pipeline.js';
import { waitUntil } from '../kafka/wait-until.js';
import { configFile, kill9, startInstance } from './support/child.js';
import { brokers, createTopics, goldenSandbox, testConfig, testKafka } from './support/harness.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
});

describe('SIGTERM hands the partitions back at once', () => {
  it('every consumer group of a stopped instance is empty when it exits: it left, nobody waits for its session to expire', async () => {
    const { sandbox } = await goldenSandbox();
    cleanup.push(() => sandbox.close());
    const config = testConfig({ brokers: brokers(), sandboxUrl: sandbox.url, partitions: 3 });
    // a member that did not leave would stay in its group this long after the process is gone
    config.kafka.sessionTimeoutMs = 60_000;
    const admin = testKafka(config.kafka.brokers).admin();
    await admin.connect();
    cleanup.push(() => admin.disconnect());
    await createTopics(admin, config);
    const groups = Object.values(groupIds(config.kafka.groupId));

    const instance = startInstance(configFile(config), 's0');
    cleanup.push(() => kill9(instance));
    const members = async () =>
      (await admin.describeGroups(groups)).groups
        .map((g) => `${g.groupId}:${g.state}:${g.members.length}`)
        .sort();
    let joined: string[] = [];
    await waitUntil(
      async () => {
        joined = await members();
        return joined.every((m) => m.endsWith(':Stable:1'));
      },
      () => `every group to have the instance as its member (${joined.join(', ')})`,
      60_000,
    );

    instance.child.kill('SIGTERM');
    expect(await instance.exited).toBe(0);
    expect(await members()).toEqual(groups.map((g) => `${g}:Empty:0`).sort());
  }, 120_000);
});
