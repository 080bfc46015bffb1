import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventSink, OutboundEvent } from '../../src/bridge/genesys-cloud/event-outbox.js';
import { KafkaEventSink } from '../../src/bridge/genesys-cloud/kafka-event-sink.js';
import { brokers, testClient } from '../pipeline/support/harness.js';
import { eventsByKey, eventsFile, expectedEvents, startRig, stopRigs, waitUntil } from './support/rig.js';

afterEach(stopRigs);

/** A port nothing listens on: a Kafka there is unreachable. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * The test broker behind a switch: while `down`, opening and sending fail as an unreachable
 * cluster does (the real producer is not even asked); once up, the real idempotent sink.
 */
class SwitchedSink implements EventSink {
  down = true;
  constructor(readonly real: KafkaEventSink) {}
  async open(): Promise<void> {
    if (this.down) throw new Error('the Kafka cluster cannot be reached (switched off)');
    await this.real.open();
  }
  async send(batch: readonly OutboundEvent[]): Promise<void> {
    if (this.down) throw new Error('the Kafka cluster cannot be reached (switched off)');
    await this.real.send(batch);
  }
  close(): Promise<void> {
    return this.real.close();
  }
}

describe('bridge genesys-cloud while Kafka does not take events', () => {
  it('holds the events up to its bound, then stops reading notifications and says so on the log and /readyz', async () => {
    const port = await closedPort();
    const rig = await startRig({
      trunks: { eventsFile: eventsFile(2, 8) },
      kafkaBrokers: [`127.0.0.1:${port}`],
      bridge: { bufferMaxEvents: 6 },
    });
    expect(rig.bridge.readiness().kafka.ready).toBe(false);
    await rig.admin('POST', '/trunks/step', { count: 6 });
    await waitUntil(
      () => rig.bridge.state === 'paused',
      () => `the bridge paused (it is ${rig.bridge.state})`,
    );
    await waitUntil(() => rig.bridge.progress().channels === 0, 'the notification channels closed');
    expect(rig.bridge.stats.eventsMade).toBe(6);
    expect(rig.bridge.progress().buffered).toBe(6);
    expect(rig.bridge.stats.eventsProduced).toBe(0);
    const ready = rig.bridge.readiness();
    expect(ready.kafka).toMatchObject({
      ready: false,
      detail: expect.stringMatching(/^paused: Kafka connecting.*6 events buffered of 6/),
    });
    expect(ready.channels).toMatchObject({ ready: false, detail: expect.stringContaining('paused') });
    const paused = rig.logs.filter((l) => l.msg.startsWith('PAUSED'));
    expect(paused).toHaveLength(1);
    expect(paused[0]!.level).toBe(50);
    expect(await rig.registry.metrics()).toMatch(/trunk_reactor_bridge_paused 1/);
    // what the scenario publishes now reaches no socket of the bridge: it is not reading
    await rig.admin('POST', '/trunks/step', { count: 2 });
    expect((await rig.produced()).slice(-4).map((p) => p.delivered)).toEqual([0, 0, 0, 0]);
    const { unsent } = await rig.bridge.stop(Date.now());
    expect(unsent).toBe(6);
    expect(rig.logs.some((l) => l.level === 50 && l.msg.includes('6 events were never taken by Kafka'))).toBe(
      true,
    );
  });

  it('resumes reading once Kafka takes the held events, and sends each of them once', async () => {
    const kafka = testClient(brokers());
    let sink: SwitchedSink | undefined;
    const rig = await startRig({
      trunks: { eventsFile: eventsFile(2, 10) },
      bridge: { bufferMaxEvents: 4 },
      idle: true,
      // the sink is made once the rig knows its topic
      sink: {
        open: () => sink!.open(),
        send: (b) => sink!.send(b),
        close: () => sink?.close() ?? Promise.resolve(),
      },
    });
    sink = new SwitchedSink(new KafkaEventSink(kafka, rig.topic, { partitions: 3, replicationFactor: 1 }));
    await rig.bridge.start();
    await rig.admin('POST', '/trunks/step', { count: 4 });
    await waitUntil(
      () => rig.bridge.state === 'paused',
      () => `the bridge paused (it is ${rig.bridge.state})`,
    );
    const before = expectedEvents(await rig.produced(), rig.mapping);
    expect(before.size).toBe(4);
    sink.down = false;
    await waitUntil(
      () => rig.bridge.state === 'running' && rig.bridge.readiness().channels.ready,
      'the bridge reading again',
    );
    expect(rig.logs.some((l) => l.msg.startsWith('RESUMED'))).toBe(true);
    // one round of the two trunks at a time: a burst of the bound's size would fill it again
    for (let round = 1; round <= 3; round++) {
      await rig.admin('POST', '/trunks/step', { count: 2 });
      const target = 4 + 2 * round;
      await waitUntil(() => rig.bridge.stats.eventsProduced >= target, `round ${round} produced`);
    }
    const expected = expectedEvents(await rig.produced(), rig.mapping);
    await waitUntil(() => rig.bridge.stats.eventsProduced >= expected.size, 'every event produced');
    const got = eventsByKey(await rig.events());
    expect(got.doubled).toEqual([]);
    expect(Object.fromEntries(got.byKey)).toEqual(Object.fromEntries(expected));
    expect(rig.bridge.stats.pauses).toBe(1);
  });
});
