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

function intentMessage(ruleId: string, offset: number): KafkaMessage {
  const intent = {
    ruleId,
    eventTime: 1,
    action: { kind: 'extend', team: 'voice' },
    guardrails: {},
  } as Intent;
  return {
    key: Buffer.from('team:voice'),
    value: Buffer.from(encodeIntent(intent)),
    offset: String(offset),
  } as KafkaMessage;
}

describe('the planning stage', () => {
  it('plans every intent it reads, in order, and keeps the planner in the state record', async () => {
    const planned: string[] = [];
    const stats = { intents: 0, adjustments: 0, deadLettered: 0 };
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
    for (const [offset, rule] of ['a', 'b', 'c'].entries())
      await worker.process(intentMessage(rule, offset), output);

    expect(planned).toEqual(['a', 'b', 'c']);
    expect(stats).toEqual({ intents: 3, adjustments: 3, deadLettered: 0 });
    expect(out.map((o) => [o.topic, String(o.message.key)])).toEqual([
      ['adjustments', 'a1'],
      ['adjustments', 'a1'],
      ['adjustments', 'a1'],
    ]);
    // the planner's state goes into the state record, nothing beside it
    const state = await worker.checkpoint('3');
    const record = JSON.parse(String(state?.message.value));
    expect(record.lanes).toEqual({ planner: { planned: 3 } });
    expect(record.nextOffset).toBe('3');
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
    await worker.process(intentMessage('a', 10), output);
    expect(out.map((o) => o.topic)).toEqual(['dead-letter', 'adjustments']);
    expect(String(out[0]?.message.headers?.['tr-error-code'])).toBe('TR_ERR_INTENT_INVALID');
    expect(planned).toEqual(['a']);
  });
});
