import { describe, expect, it } from 'vitest';
import { decodeIntent, encodeIntent } from '../../src/kafka/intent-record.js';
import { planningDomains } from '../../src/kafka/rules-adapter.js';
import { RuleEngine } from '../../src/rules/engine.js';
import { MIN, rules, SEC, sample, T0 } from '../rules/helpers.js';

const WHEN = '    when: { metric: utilization, aggregate: last, window: 1m, atLeast: 0.9 }\n';

function rule(id: string, action: string): string {
  return `  - id: ${id}\n    scope: { by: trunk }\n${WHEN}    action:\n      ${action}\n`;
}

const SWAP = (team: string, donor: string) =>
  `swap: { team: ${team}, donorTeam: ${donor}, startingWithin: 90m, minNotice: 15m, laterWithin: 10h, maxLengthDifference: 0m, maxPairs: 1 }`;
const EXTEND = (team: string) => `extend: { team: ${team}, by: 15m, endingWithin: 30m, maxAgents: 1 }`;

describe('planning domains (the intents topic key)', () => {
  it('gives every team its own domain unless a rule ties teams together', () => {
    const d = planningDomains(rules(`rules:\n${rule('a', EXTEND('voice'))}${rule('b', EXTEND('chat'))}`));
    expect(d.get('voice')).toBe('team:voice');
    expect(d.get('chat')).toBe('team:chat');
  });

  it('puts a swap’s team and donor team in one domain, transitively, named by its first team id', () => {
    const d = planningDomains(
      rules(
        `rules:\n${rule('a', SWAP('voice', 'flex'))}${rule('b', SWAP('chat', 'flex'))}${rule('c', EXTEND('email'))}`,
      ),
    );
    expect(new Set(['voice', 'flex', 'chat'].map((t) => d.get(t)))).toEqual(new Set(['team:chat']));
    expect(d.get('email')).toBe('team:email');
  });
});

describe('intent records', () => {
  it('carry an intent to the planning stage unchanged', () => {
    const set = rules(`rules:\n${rule('hot', EXTEND('voice'))}`);
    const engine = new RuleEngine(set);
    const r = engine.evaluate(sample('t1', T0, 95));
    engine.evaluate(sample('t1', T0 + 10 * SEC, 95));
    const intents = [...r.intents, ...engine.evaluate(sample('t1', T0 + MIN, 95)).intents];
    expect(intents.length).toBeGreaterThan(0);
    for (const [index, intent] of intents.entries()) {
      const source = { topic: 'events', partition: 2, offset: '12345678901234567', index };
      const back = decodeIntent(Buffer.from(encodeIntent(intent, source)));
      expect(back).toEqual({ ok: true, intent, source });
    }
  });

  it('refuse what is not one, saying why', () => {
    expect(decodeIntent(null)).toMatchObject({ ok: false, message: /empty/ });
    expect(decodeIntent(Buffer.from('{'))).toMatchObject({ ok: false, message: /not JSON/ });
    expect(decodeIntent(Buffer.from('{"format":"x@9"}'))).toMatchObject({
      ok: false,
      message: /format 'x@9'/,
    });
    expect(
      decodeIntent(Buffer.from('{"format":"trunk-reactor/intent@1","intent":{"ruleId":"r"}}')),
    ).toMatchObject({ ok: false, message: /lacks ruleId/ });
    const intent = { ruleId: 'r', eventTime: 1, action: { kind: 'extend', team: 't' }, guardrails: {} };
    const withSource = (source: unknown) =>
      decodeIntent(Buffer.from(JSON.stringify({ format: 'trunk-reactor/intent@1', intent, source })));
    expect(withSource(undefined)).toMatchObject({ ok: false, message: /lacks its source/ });
    expect(withSource({ topic: 'e', partition: 0, offset: '-1', index: 0 })).toMatchObject({ ok: false });
    expect(withSource({ topic: 'e', partition: 0, offset: '7', index: 0 })).toMatchObject({ ok: true });
  });
});
