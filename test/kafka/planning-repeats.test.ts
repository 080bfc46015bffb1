import type { KafkaMessage, Message } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { encodeIntent } from '../../src/kafka/intent-record.js';
import { planningProcessor } from '../../src/kafka/planning-stage.js';
import type { PlannerFactory } from '../../src/kafka/ports.js';
import type { Adjustment } from '../../src/planner/adjustment.js';
import type { Intent } from '../../src/rules/intent.js';

const TOPICS = {
  intents: 'intents',
  adjustments: 'adjustments',
  deadLetter: 'dead-letter',
  state: 'state',
  statePartitions: 1,
};

/** A planner that plans one adjustment per intent, named by the intent's rule id. */
function recordingPlanners(planned: string[]): PlannerFactory {
  return {
    domainOf: () => 'team:voice',
    create: () => ({
      async plan(intent: Intent) {
        planned.push(intent.ruleId);
        return [{ key: `k-${intent.ruleId}`, kind: 'update', agentId: 'a1' } as unknown as Adjustment];
      },
      async snapshot() {
        return { planned: planned.length };
      },
    }),
  };
}

function intentMessage(ruleId: string, partition: number, offset: number, index = 0): KafkaMessage {
  const intent = {
    ruleId,
    eventTime: 1,
    action: { kind: 'extend', team: 'voice' },
    guardrails: {},
  } as Intent;
  const value = encodeIntent(intent, { topic: 'events', partition, offset: String(offset), index });
  return { key: Buffer.from('team:voice'), value: Buffer.from(value), offset: '0' } as KafkaMessage;
}

describe('the planning stage with intents sent outside the rules transaction', () => {
  it('plans each intent once: a repeat at or below the last position planned from its source is dropped', async () => {
    const planned: string[] = [];
    const stats = { intents: 0, repeats: 0, adjustments: 0, deadLettered: 0 };
    const processor = planningProcessor({
      kafka: {} as never, // no state to read: a fresh partition
      groupId: 'g-planning',
      topics: TOPICS,
      planners: recordingPlanners(planned),
      fingerprint: 'f',
      stats,
    });
    const worker = (await processor.open([{ partition: 0, offset: '-1', state: undefined }])).get(0)!;
    const out: Array<{ topic: string; message: Message }> = [];
    const output = { send: (topic: string, message: Message) => void out.push({ topic, message }) };
    const feed = async (...ms: KafkaMessage[]) => {
      for (const m of ms) await worker.process(m, output);
    };

    // source events/0 makes two intents at offset 5 and one at 6; events/1 one at 3
    await feed(intentMessage('a', 0, 5, 0), intentMessage('b', 0, 5, 1), intentMessage('c', 1, 3));
    // events/0 is reprocessed from offset 5 after a failed slice (or by its next owner)
    await feed(intentMessage('a', 0, 5, 0), intentMessage('b', 0, 5, 1), intentMessage('d', 0, 6));
    // and a zombie owner of events/1 is still sending what the new owner already sent
    await feed(intentMessage('c', 1, 3), intentMessage('e', 1, 4));

    expect(planned).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(stats).toMatchObject({ intents: 8, repeats: 3, adjustments: 5 });
    expect(out.map((o) => o.topic)).toEqual(Array(5).fill('adjustments'));

    // the positions go into the state record with the planner's state, one transaction
    const state = await worker.checkpoint('8');
    const record = JSON.parse(String(state?.message.value));
    expect(record.lanes.sources).toEqual({ 'events/0': ['6', 0], 'events/1': ['4', 0] });
    expect(record.lanes.planner).toEqual({ planned: 5 });
  });

  it('dead-letters a record that is not an intent, with the reason, and goes on', async () => {
    const planned: string[] = [];
    const processor = planningProcessor({
      kafka: {} as never,
      groupId: 'g-planning',
      topics: TOPICS,
      planners: recordingPlanners(planned),
      fingerprint: 'f',
    });
    const worker = (await processor.open([{ partition: 0, offset: '-1', state: undefined }])).get(0)!;
    const out: Array<{ topic: string; message: Message }> = [];
    const output = { send: (topic: string, message: Message) => void out.push({ topic, message }) };
    await worker.process(
      { key: null, value: Buffer.from('{"format":"nope"}'), offset: '9' } as KafkaMessage,
      output,
    );
    await worker.process(intentMessage('a', 0, 1), output);
    expect(out.map((o) => o.topic)).toEqual(['dead-letter', 'adjustments']);
    expect(String(out[0]?.message.headers?.['tr-error-code'])).toBe('TR_ERR_INTENT_INVALID');
    expect(planned).toEqual(['a']);
  });
});
