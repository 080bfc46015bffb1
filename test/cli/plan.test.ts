import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startSandbox } from '../../src/sandbox/server.js';
import { ScheduleSnapshot } from '../../src/wfm/snapshot.js';
import { cli } from '../support/cli.js';

const golden = 'test/golden/apac';
const args = ['--rules', `${golden}/rules.yaml`, '--events', `${golden}/events.ndjson`];

describe('trunk-reactor plan', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    delete process.env.TRUNK_REACTOR_WFM_TOKEN;
  });

  it('prints every adjustment with its reason as a table, and what was passed over', async () => {
    const r = await cli(['plan', ...args, '--schedule', `${golden}/schedule.json`]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/adjustments: 13 · passed over: 3/);
    expect(r.out).toMatch(/times in Asia\/Singapore; nothing was written/);
    expect(r.out).toMatch(
      /09:22 Fri 27 Nov \+08:00 \(01:22Z\) +sg-byoc-surge-extend +extend +sh-102-fri \/ a-102 +end → 10:30 +avg utilization 0.8988 vs 0.85 over 5m on trunkGroup sg-byoc/,
    );
    expect(r.out).toMatch(/sh-201-fri ⇄ sh-109-fri +a-109 takes sh-201-fri; a-201 takes sh-109-fri/);
    expect(r.out).toMatch(
      /! sh-110-sun \/ a-110: decided while the publish window is open: the writer holds it until 02:30 Sun 29 Nov \+08:00 \(18:30Z\)/,
    );
    expect(r.out).toMatch(/minRest +agent a-114 would rest 9h30m/);
    expect(r.out).toMatch(/line 42: \[TR_ERR_EVENT_DECODE\]/);
  });

  it('prints the same report as the golden fixture with --json', async () => {
    const r = await cli(['plan', ...args, '--schedule', `${golden}/schedule.json`, '--json']);
    expect(JSON.parse(r.out)).toEqual(JSON.parse(readFileSync(`${golden}/expected.json`, 'utf8')));
  });

  it('reads the schedule from a WFM over HTTP with --wfm and plans the same adjustments, writing nothing', async () => {
    const snapshot = ScheduleSnapshot.parse(JSON.parse(readFileSync(`${golden}/schedule.json`, 'utf8')));
    const sandbox = await startSandbox({
      port: 0,
      snapshot,
      clockStart: Date.parse('2026-11-26T00:00:00Z'),
      clockFrozen: true,
    });
    try {
      process.env.TRUNK_REACTOR_WFM_TOKEN = 'sandbox-token';
      const viaWfm = await cli(['plan', ...args, '--wfm', sandbox.baseUrl, '--week-start', 'sun', '--json']);
      expect(viaWfm.err).toBe('');
      expect(viaWfm.code).toBe(0);
      const expected = JSON.parse(readFileSync(`${golden}/expected.json`, 'utf8')) as {
        adjustments: unknown[];
      };
      expect((JSON.parse(viaWfm.out) as { adjustments: unknown[] }).adjustments).toEqual(
        expected.adjustments,
      );
      const ledger = (await (await fetch(`${sandbox.url}/_sandbox/ledger`)).json()) as
        | unknown[]
        | { entries: unknown[] };
      expect(Array.isArray(ledger) ? ledger : ledger.entries).toEqual([]);
    } finally {
      await sandbox.close();
    }
  });

  it('refuses unknown flags, missing inputs and both schedule sources at once (exit 2)', async () => {
    expect((await cli(['plan', ...args, '--schedule', 'x', '--dry'])).code).toBe(2);
    expect((await cli(['plan', '--rules', 'x', '--schedule', 'y'])).err).toMatch(/--events is required/);
    expect((await cli(['plan', ...args, '--schedule', 'x', '--wfm', 'http://h'])).err).toMatch(
      /exactly one of --schedule/,
    );
    expect((await cli(['plan', ...args, '--wfm', 'http://h'])).err).toMatch(/TRUNK_REACTOR_WFM_TOKEN/);
  });

  it('exits 3 with the problems when the rules file is invalid', async () => {
    const r = await cli(['plan', '--rules', 'package.json', '--events', 'x', '--schedule', 'y']);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/package.json:2:3: unknown key 'name' at the top level/);
  });
});
