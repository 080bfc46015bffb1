import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RuleEngine } from '../../src/rules/engine.js';
import type { RulesFileError } from '../../src/rules/rules-error.js';
import { RulesWatcher } from '../../src/rules/rules-watcher.js';
import { MIN, SEC, stream, T0 } from './helpers.js';

const file = (threshold: number, extra = '') => `version: 1
engine: { allowedLateness: 0s }
rules:
  - id: surge
    scope: { by: trunkGroup }
    when: { metric: utilization, aggregate: avg, window: 1m, above: ${threshold} }
${extra}    action: { extend: { team: t, by: 30m, endingWithin: 1h, maxAgents: 1 } }
`;

describe('hot reload', () => {
  it('swaps a valid new file in; rejects an invalid one with its error while the old rules keep running', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rules-'));
    const path = join(dir, 'rules.yaml');
    writeFileSync(path, file(0.9));
    const rejected: RulesFileError[] = [];
    let engine: RuleEngine | undefined;
    const watcher = new RulesWatcher({
      path,
      onReload: (rules) => engine!.replaceRules(rules),
      onRejected: (e) => rejected.push(e),
    });
    engine = new RuleEngine((await watcher.load()).rules);
    const at80 = stream(['a'], T0, T0 + 30 * MIN, 10 * SEC, () => 0.8);
    let fired = 0;
    for (const s of at80.slice(0, 60)) fired += engine.evaluate(s).intents.length;
    expect(fired).toBe(0); // 0.8 is under 0.9

    // an invalid edit: a typo'd key. Refused, reported with its line; the 0.9 rule keeps running
    writeFileSync(path, file(0.5, '    fro: 1m\n'));
    expect(await watcher.check()).toBe('rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.issues[0]).toMatchObject({ line: 7, ruleId: 'surge' });
    expect(rejected[0]!.issues[0]!.fix).toBe("did you mean 'for'?");
    for (const s of at80.slice(60, 120)) fired += engine.evaluate(s).intents.length;
    expect(fired).toBe(0);
    // the same bad file is not reported again
    expect(await watcher.check()).toBe('rejected');
    expect(rejected).toHaveLength(1);

    // a valid edit: swapped in atomically, and it acts on the next samples
    writeFileSync(path, file(0.7));
    expect(await watcher.check()).toBe('reloaded');
    expect(engine.ruleSet.rules[0]!.condition).toMatchObject({ kind: 'leaf', threshold: 0.7 });
    for (const s of at80.slice(120)) fired += engine.evaluate(s).intents.length;
    expect(fired).toBe(1);
    expect(await watcher.check()).toBe('unchanged');
  });

  it('starts and stops polling without keeping the process alive', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rules-'));
    const path = join(dir, 'rules.yaml');
    writeFileSync(path, file(0.9));
    const reloads: number[] = [];
    const watcher = new RulesWatcher({
      path,
      intervalMs: 20,
      onReload: () => reloads.push(1),
      onRejected: () => {},
    });
    await watcher.load();
    watcher.start();
    writeFileSync(path, file(0.8));
    await new Promise((r) => setTimeout(r, 200));
    watcher.stop();
    expect(reloads).toHaveLength(1);
  });
});
