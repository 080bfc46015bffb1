import type { Message } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { KafkaIntentSink } from '../../src/kafka/intent-sink.js';

/** A producer whose sends the test settles by hand, in the order they were made. */
function manualProducer() {
  const sends: Array<{ value: string; ack: () => void; fail: (e: Error) => void }> = [];
  const producer = {
    connect: async () => {},
    disconnect: async () => {},
    send: ({ messages }: { messages: Message[] }) =>
      new Promise<void>((ack, fail) => sends.push({ value: String(messages[0]?.value), ack, fail })),
  };
  return { kafka: { producer: () => producer } as never, sends };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('intents sent outside the rules transaction', () => {
  it('are sent one after the other, each once the one before was acknowledged', async () => {
    const { kafka, sends } = manualProducer();
    const sink = new KafkaIntentSink(kafka, 'intents');
    const lane = sink.open();
    lane.send({ value: 'i1' });
    lane.send({ value: 'i2' });
    await tick();
    expect(sends.map((s) => s.value)).toEqual(['i1']);
    sends[0]?.ack();
    await tick();
    expect(sends.map((s) => s.value)).toEqual(['i1', 'i2']);
    sends[1]?.ack();
    await lane.flushed();
    expect(sink.acknowledged).toBe(2);
  });

  it('after a failed send, send nothing more on that lane and fail its flush: no gap reaches the planner', async () => {
    const { kafka, sends } = manualProducer();
    const sink = new KafkaIntentSink(kafka, 'intents');
    const lane = sink.open();
    lane.send({ value: 'i1' });
    lane.send({ value: 'i2' });
    lane.send({ value: 'i3' });
    await tick();
    sends[0]?.fail(new Error('broker gone'));
    await expect(lane.flushed()).rejects.toThrow('broker gone');
    await tick();
    expect(sends.map((s) => s.value)).toEqual(['i1']);
    // the owner reprocesses from the committed offset on a fresh lane and sends them again
    const again = sink.open();
    again.send({ value: 'i1' });
    await tick();
    sends[1]?.ack();
    await again.flushed();
    expect(sends.map((s) => s.value)).toEqual(['i1', 'i1']);
    // the failed lane stays failed: a late send on it goes nowhere
    lane.send({ value: 'late' });
    await tick();
    expect(sends).toHaveLength(2);
  });

  it('lanes of different source partitions do not wait for each other', async () => {
    const { kafka, sends } = manualProducer();
    const sink = new KafkaIntentSink(kafka, 'intents');
    sink.open().send({ value: 'p0' });
    sink.open().send({ value: 'p1' });
    await tick();
    expect(sends.map((s) => s.value).sort()).toEqual(['p0', 'p1']);
  });
});
