import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { compileRules } from '../../src/rules/compile.js';
import { parseRulesText } from '../../src/rules/load.js';
import { RulesFileError } from '../../src/rules/rules-error.js';

const base = `version: 1
defaults:
  zone: Asia/Singapore
rules:
  - id: apac-surge
    scope: { by: trunkGroup, where: { trunkGroup: sg-byoc } }
    when: { metric: utilization, aggregate: avg, window: 5m, above: 0.85 }
    for: 3m
    action:
      extend: { team: sg-voice, by: 30m, endingWithin: 1h, maxAgents: 3 }
`;

function problems(text: string, file = 'rules.yaml') {
  try {
    parseRulesText(text, file);
  } catch (err) {
    expect(err).toBeInstanceOf(RulesFileError);
    return (err as RulesFileError).issues;
  }
  throw new Error('expected the file to be refused');
}

describe('rules files', () => {
  it('accepts a valid file and fills in the defaults', () => {
    const f = parseRulesText(base, 'rules.yaml');
    expect(f.rules[0]!.keepFiringFor).toBe('0s');
    expect(f.engine.allowedLateness).toBe('30s');
    expect(f.rules[0]!.action.extend!.order).toBe('ending-soonest');
  });

  it('reports a bad duration with file, line, rule id and the fix', () => {
    const [i] = problems(base.replace('for: 3m', "for: '5 minutes'"));
    expect(i).toMatchObject({ file: 'rules.yaml', line: 8, ruleId: 'apac-surge', path: 'rules[0].for' });
    expect(i!.message).toBe("`for` must be a duration like 30s, 5m, 1h30m or 1d, got '5 minutes'");
    expect(i!.fix).toMatch(/5m/);
  });

  it('rejects an unknown key and suggests the one that was meant', () => {
    const [i] = problems(base.replace('window: 5m', 'windw: 5m, window: 5m'));
    expect(i!.message).toMatch(/unknown key 'windw'/);
    expect(i!.fix).toBe("did you mean 'window'?");
    expect(i!.line).toBe(7);
  });

  it('rejects unknown keys at every level, including the top', () => {
    expect(problems(`${base}rulez: []\n`)[0]!.message).toMatch(/unknown key 'rulez' at the top level/);
    expect(problems(base.replace('maxAgents: 3', 'maxAgents: 3, maxAgent: 2'))[0]!.fix).toMatch(/maxAgents/);
  });

  it('locates problems in JSON files by line too', () => {
    const json = JSON.stringify(parseRulesText(base, 'x'), null, 2).replace('"above": 0.85', '"above": 85');
    const [i] = problems(json, 'rules.json');
    expect(i!.file).toBe('rules.json');
    expect(i!.line).toBe(json.split('\n').findIndex((l) => l.includes('"above": 85')) + 1);
    expect(i!.message).toMatch(/utilization is a ratio in \[0, 1\], got 85/);
  });

  it('reports YAML syntax errors and duplicate keys with their line', () => {
    const dup = problems(base.replace('    for: 3m\n', '    for: 3m\n    for: 4m\n'));
    expect(dup[0]!.line).toBe(9);
    expect(dup[0]!.fix).toMatch(/override/);
    const bad = problems('version: 1\nrules:\n  - id: [unclosed\n');
    expect(bad[0]!.line).toBeGreaterThanOrEqual(3);
  });

  it('lists every problem, not only the first', () => {
    const issues = problems(
      base
        .replace('for: 3m', 'for: soon')
        .replace('maxAgents: 3', 'maxAgents: 0')
        .replace('above: 0.85', 'above: 0.85, below: 0.2'),
    );
    expect(issues.length).toBeGreaterThanOrEqual(3);
    expect(issues.every((i) => i.ruleId === 'apac-surge')).toBe(true);
  });

  it('refuses semantic mistakes with a reason: clear on the wrong side, duplicate ids, a swap within one team', () => {
    expect(problems(base.replace('above: 0.85', 'above: 0.85, clear: 0.9'))[0]!.message).toMatch(
      /clear 0.9 must be at or below/,
    );
    const twice = base + base.slice(base.indexOf('  - id:'));
    expect(problems(twice)[0]!.message).toMatch(/duplicate rule id 'apac-surge'/);
    const swap = base.replace(
      'extend: { team: sg-voice, by: 30m, endingWithin: 1h, maxAgents: 3 }',
      'swap: { team: sg-voice, donorTeam: sg-voice, startingWithin: 1h, laterWithin: 8h, maxPairs: 1 }',
    );
    expect(problems(swap)[0]!.message).toMatch(/does not change its coverage/);
    expect(problems(base.replace('by: 30m', 'by: 20m'))[0]!.message).toMatch(/multiple of 15m/);
    expect(problems(base.replace('zone: Asia/Singapore', 'zone: Asia/Singapur'))[0]!.message).toMatch(/IANA/);
  });

  it('never executes anything: YAML tags are refused, not resolved', () => {
    (globalThis as Record<string, unknown>).__pwned = false;
    const issues = problems(`${base}extra: !!js/function 'function () { globalThis.__pwned = true }'\n`);
    expect(issues[0]!.message).toMatch(/tag/i);
    expect((globalThis as Record<string, unknown>).__pwned).toBe(false);
  });

  it('answers any text with a parsed file or a RulesFileError, never anything else', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.anything().map((v) => stringify(v) ?? ''),
        ),
        (text) => {
          try {
            compileRules(parseRulesText(text, 'fuzz.yaml'));
          } catch (err) {
            expect(err).toBeInstanceOf(RulesFileError);
            for (const i of (err as RulesFileError).issues) expect(i.line).toBeGreaterThanOrEqual(1);
          }
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('parses and compiles any well-formed rule, written out as YAML', () => {
    const duration = fc.constantFrom('0s', '30s', '1m', '5m', '15m', '1h');
    const window = fc.constantFrom('30s', '1m', '5m', '15m', '1h');
    const comparison = fc.record({
      metric: fc.constant('utilization'),
      aggregate: fc.constantFrom('avg', 'max', 'min', 'p95', 'last'),
      window,
      above: fc.double({ min: 0.3, max: 1, noNaN: true }),
    });
    const condition = fc.oneof(
      comparison,
      fc.array(comparison, { minLength: 1, maxLength: 3 }).map((all) => ({ all })),
      fc.array(comparison, { minLength: 1, maxLength: 3 }).map((any) => ({ any })),
      comparison.map((c) => ({ not: c })),
    );
    const rule = fc.record({
      id: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
      scope: fc.record({
        by: fc.constantFrom('trunk', 'trunkGroup', 'region', 'site', 'selector'),
        where: fc.record({ trunkGroup: fc.constantFrom('sg-byoc', ['a', 'b']) }),
      }),
      when: condition,
      for: duration,
      cooldown: duration,
      action: fc.constant({ extend: { team: 't', by: '30m', endingWithin: '1h', maxAgents: 2 } }),
    });
    fc.assert(
      fc.property(fc.uniqueArray(rule, { selector: (r) => r.id, maxLength: 6 }), (rules) => {
        const text = stringify({ version: 1, rules });
        const compiled = compileRules(parseRulesText(text, 'gen.yaml'));
        expect(compiled.rules.map((r) => r.id)).toEqual(rules.map((r) => r.id));
      }),
      { numRuns: 300 },
    );
  });

  it('accepts every example rules file in config/', () => {
    const dir = new URL('../../config/', import.meta.url);
    // rules.*.test.yaml are tests of the rules (trunk-reactor test), not rules files
    const files = readdirSync(dir).filter((f) => /^rules.*\.ya?ml$/.test(f) && !/\.test\.ya?ml$/.test(f));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files)
      expect(() => compileRules(parseRulesText(readFileSync(new URL(f, dir), 'utf8'), f))).not.toThrow();
  });
});
