import { describe, expect, it } from 'vitest';
import { COORDINATOR_REQUESTS, installCoordinatorCache } from '../../src/kafka/kafkajs/coordinator-cache.js';

/** kafkajs' Cluster and Broker as far as the cache sees them, counting the lookups made */
function fakes() {
  class Broker {
    constructor(readonly nodeId: number) {}
    fail = false;
  }
  for (const name of COORDINATOR_REQUESTS)
    (Broker.prototype as unknown as Record<string, unknown>)[name] = async function (this: Broker) {
      if (this.fail)
        throw Object.assign(new Error('This is not the correct coordinator'), { type: 'NOT_COORDINATOR' });
      return name;
    };
  class Cluster {
    lookups = 0;
    coordinator: Broker | Error;
    constructor(coordinator: Broker) {
      this.coordinator = coordinator;
    }
    async findGroupCoordinator(_args: { groupId: string; coordinatorType?: number }): Promise<Broker> {
      this.lookups++;
      if (this.coordinator instanceof Error) throw this.coordinator;
      return this.coordinator;
    }
    async refreshMetadata(): Promise<void> {}
    async disconnect(): Promise<void> {}
  }
  installCoordinatorCache(
    Cluster.prototype as unknown as Record<string, unknown>,
    Broker.prototype as unknown as Record<string, unknown>,
  );
  return { Broker, Cluster };
}

type Req = (args?: unknown) => Promise<string>;
const request = (b: object, name: (typeof COORDINATOR_REQUESTS)[number]) =>
  (b as unknown as Record<string, Req>)[name]!();

describe('coordinators kept between requests (kafkajs adapter)', () => {
  it('asks for a transaction or group coordinator once, per key and type, and answers again from what it kept', async () => {
    const { Broker, Cluster } = fakes();
    const b = new Broker(1);
    const c = new Cluster(b);
    for (let i = 0; i < 3; i++) {
      expect(await c.findGroupCoordinator({ groupId: 'tx-1', coordinatorType: 1 })).toBe(b);
      expect(await c.findGroupCoordinator({ groupId: 'group', coordinatorType: 0 })).toBe(b);
    }
    expect(c.lookups).toBe(2);
    // the same key as another type is another coordinator
    await c.findGroupCoordinator({ groupId: 'tx-1', coordinatorType: 0 });
    expect(c.lookups).toBe(3);
    // another cluster (another client) asks for itself
    const other = new Cluster(b);
    await other.findGroupCoordinator({ groupId: 'tx-1', coordinatorType: 1 });
    expect(other.lookups).toBe(1);
  });

  it('asks again after a request to the coordinator failed, so a moved coordinator is found', async () => {
    const { Broker, Cluster } = fakes();
    const old = new Broker(1);
    const c = new Cluster(old);
    await c.findGroupCoordinator({ groupId: 'tx-1', coordinatorType: 1 });
    old.fail = true;
    await expect(request(old, 'endTxn')).rejects.toThrow(/not the correct coordinator/);
    const moved = new Broker(2);
    c.coordinator = moved;
    expect(await c.findGroupCoordinator({ groupId: 'tx-1', coordinatorType: 1 })).toBe(moved);
    expect(c.lookups).toBe(2);
    // a success keeps the answer
    expect(await request(moved, 'endTxn')).toBe('endTxn');
    await c.findGroupCoordinator({ groupId: 'tx-1', coordinatorType: 1 });
    expect(c.lookups).toBe(2);
  });

  it('forgets only the answers naming the broker that failed', async () => {
    const { Broker, Cluster } = fakes();
    const one = new Broker(1);
    const two = new Broker(2);
    const c = new Cluster(one);
    await c.findGroupCoordinator({ groupId: 'a', coordinatorType: 1 });
    c.coordinator = two;
    await c.findGroupCoordinator({ groupId: 'b', coordinatorType: 1 });
    one.fail = true;
    await expect(request(one, 'heartbeat')).rejects.toThrow();
    await c.findGroupCoordinator({ groupId: 'a', coordinatorType: 1 });
    await c.findGroupCoordinator({ groupId: 'b', coordinatorType: 1 });
    expect(c.lookups).toBe(3);
  });

  it('keeps no failed lookup, and forgets everything on a metadata refresh or a disconnect', async () => {
    const { Broker, Cluster } = fakes();
    const b = new Broker(1);
    const c = new Cluster(b);
    c.coordinator = new Error('COORDINATOR_NOT_AVAILABLE');
    await expect(c.findGroupCoordinator({ groupId: 'g' })).rejects.toThrow();
    c.coordinator = b;
    expect(await c.findGroupCoordinator({ groupId: 'g' })).toBe(b);
    expect(c.lookups).toBe(2);
    await c.refreshMetadata();
    await c.findGroupCoordinator({ groupId: 'g' });
    expect(c.lookups).toBe(3);
    await c.disconnect();
    await c.findGroupCoordinator({ groupId: 'g' });
    expect(c.lookups).toBe(4);
  });

  it('is put in place once: a second install does not wrap the requests again', async () => {
    const { Broker, Cluster } = fakes();
    const before = (Broker.prototype as unknown as Record<string, unknown>).endTxn;
    installCoordinatorCache(
      Cluster.prototype as unknown as Record<string, unknown>,
      Broker.prototype as unknown as Record<string, unknown>,
    );
    expect((Broker.prototype as unknown as Record<string, unknown>).endTxn).toBe(before);
  });
});
