import type { Message } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { KafkaIntentSink } from '../../src/kafka/intent-sink.js';

/** A producer whose sends the test settles by hand, in the order they were made. */
function manualProducer() {
  const sends: Array<{ value: string; ack: () => void; fail: (e: Error) => void }> = [];
  const producer = {
    connect: async () => {},
    disconnect: async () => {},
    // one request: its messages' values joined with '+'
    send: ({ messages }: { messages: Message[] }) =>
      new Promise<void>((ack, fail) =>
        sends.push({ value: messages.map((m) => String(m.value)).join('+'), ack, fail }),
      ),
  };
  return { kafka: { producer: () => producer } as never, sends };
}

/** A sink over a manual producer, and one lane of it. */
function openLane(maxRequestBytes?: number) {
  const { kafka, sends } = manualProducer();
  const sink = new KafkaIntentSink(kafka, 'intents', maxRequestBytes);
  return { sink, lane: sink.open(), sends };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('intents sent outside the rules transaction', () => {
  it('are sent one request after the other, each once the one before was acknowledged', async () => {
    const { sink, lane, sends } = openLane();
    lane.send({ value: 'i1' });
    await tick();
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

  it('sends the intents made while a request is in flight together, in order, in the next request', async () => {
    const { sink, lane, sends } = openLane();
    lane.send({ value: 'i1' });
    await tick();
    for (const v of ['i2', 'i3', 'i4']) lane.send({ value: v });
    await tick();
    expect(sends.map((s) => s.value)).toEqual(['i1']);
    sends[0]?.ack();
    await tick();
    expect(sends.map((s) => s.value)).toEqual(['i1', 'i2+i3+i4']);
    let flushed = false;
    void lane.flushed().then(() => {
      flushed = true;
    });
    await tick();
    expect(flushed).toBe(false);
    sends[1]?.ack();
    await lane.flushed();
    expect(sink.acknowledged).toBe(4);
  });

  it('splits a backlog into requests within the byte bound, in order, one after the other', async () => {
    const { sink, lane, sends } = openLane(10);
    // 4 bytes each: two fit in 10 bytes, a third does not
    for (const v of ['aaaa', 'bbbb', 'cccc', 'dddd', 'eeee']) lane.send({ value: v });
    await tick();
    expect(sends.map((s) => s.value)).toEqual(['aaaa+bbbb']);
    sends[0]?.ack();
    await tick();
    expect(sends.map((s) => s.value)).toEqual(['aaaa+bbbb', 'cccc+dddd']);
    sends[1]?.ack();
    await tick();
    sends[2]?.ack();
    await lane.flushed();
    expect(sends.map((s) => s.value)).toEqual(['aaaa+bbbb', 'cccc+dddd', 'eeee']);
    expect(sink.acknowledged).toBe(5);
  });

  it('sends an intent larger than the byte bound alone rather than never', async () => {
    const { lane, sends } = openLane(2);
    lane.send({ value: 'big-one' });
    lane.send({ value: 'xy' });
    await tick();
    sends[0]?.ack();
    await tick();
    sends[1]?.ack();
    await lane.flushed();
    expect(sends.map((s) => s.value)).toEqual(['big-one', 'xy']);
  });

  it('after a failed send, send nothing more on that lane and fail its flush: no gap reaches the planner', async () => {
    const { sink, lane, sends } = openLane();
    lane.send({ value: 'i1' });
    await tick();
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
