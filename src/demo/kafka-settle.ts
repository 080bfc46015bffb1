import type { KafkaAdmin as Admin } from '../kafka/port.js';

/** The demo's pipeline did not catch up: names what it was still waiting for. */
export class DemoStalledError extends Error {
  readonly code = 'TR_ERR_DEMO_STALLED';
  readonly retriable = false;
}

const POLL_MS = 25;

/**
 * Waits until `awaiting` answers null (it answers what it still waits for otherwise).
 * The demo only moves its clock while the pipeline is idle, like a discrete-event
 * simulation: this is that wait. Fails after `timeoutMs`, or at once when `fatal` has an error.
 */
export async function settle(
  awaiting: () => Promise<string | null>,
  o: { timeoutMs: number; fatal: () => Error | undefined; at: string },
): Promise<void> {
  const deadline = Date.now() + o.timeoutMs;
  for (;;) {
    const err = o.fatal();
    if (err) throw err;
    const what = await awaiting();
    if (what === null) return;
    if (Date.now() > deadline) {
      throw new DemoStalledError(
        `the Kafka pipeline did not catch up within ${o.timeoutMs} ms at ${o.at}: still waiting for ${what}`,
      );
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/**
 * Whether `groupId` has committed every message of `topic`. Only for a topic written
 * without transactions (the demo's events topic): there the end offset is the count of
 * messages, with no transaction markers after them.
 */
export async function consumedAll(admin: Admin, groupId: string, topic: string): Promise<boolean> {
  const [committed, ends] = await Promise.all([
    admin.fetchOffsets({ groupId, topics: [topic] }),
    admin.fetchTopicOffsets(topic),
  ]);
  const byPartition = new Map(
    (committed[0]?.partitions ?? []).map((p) => [p.partition, Math.max(0, Number(p.offset))]),
  );
  return ends.every((e) => (byPartition.get(e.partition) ?? 0) >= Number(e.high));
}
