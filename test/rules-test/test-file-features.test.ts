import { afterEach, describe, expect, it, vi } from 'vitest';
import { cli, put, tempDir } from './support.js';

/** A rules file of one rule: the group's 5-minute average above 0.85 extends one shift by 30m. */
const RULES = `version: 1
defaults:
  zone: Asia/Singapore
  guardrails: { minRest: 8h, maxAdjustmentsPerAgentPerDay: 3 }
rules:
  - id: surge
    scope: { by: trunkGroup }
    when: { metric: utilization, aggregate: avg, window: 5m, above: 0.85 }
    for: 1m
    action:
      extend: { team: voice, by: 30m, endingWithin: 2h, maxAgents: 1 }
`;

/** A second rules file, combined with the first into one set. */
const MORE_RULES = `version: 1
rules:
  - id: morning-queue
    scope: { by: trunkGroup }
    when: { metric: utilization, aggregate: avg, window: 5m, above: 0.85 }
    during: { zone: Asia/Singapore, windows: [ { from: '09:00', to: '12:00' } ] }
    action:
      toOnQueue: { team: voice, within: 2h, maxAgents: 1 }
  - id: idle
    enabled: false
    scope: { by: trunk }
    when: { metric: activeCalls, aggregate: max, window: 5m, atMost: 0 }
    action:
      extend: { team: voice, by: 15m, endingWithin: 1h, maxAgents: 1 }
`;

function testFile(expect: string, extra = ''): string {
  return `rules: [rules.yaml, more-rules.yaml]
zone: Asia/Singapore
interval: 30s
schedule:
  weekStart: sun
  shifts:
    - { id: s1, agent: a1, team: voice, start: '06:00', end: '10:30', activities: [ { type: training, start: '10:00', end: '10:30' } ] }
    - { id: s2, agent: a2, team: voice, start: '22:00', end: '06:00' }
tests:
  - name: t
    start: 2026-11-27 09:00
${extra}    trunks:
      - { trunk: 'g-{1..3}', trunkGroup: g, region: r, site: s, capacity: 10, utilization: '0.5x19 0.9x59' }
      - { trunk: g-4, trunkGroup: g, region: r, site: s, capacity: 10, activeCalls: '5x19 0x19 _x40' }
    expect:
${expect}`;
}

async function run(text: string) {
  const dir = tempDir();
  put(dir, 'rules.yaml', RULES);
  put(dir, 'more-rules.yaml', MORE_RULES);
  const file = put(dir, 't.test.yaml', text);
  return cli(['test', file]);
}

describe('rules test files', () => {
  afterEach(() => vi.restoreAllMocks());

  it('read a time as a clock time on the start day, a local date and time, a duration after the start or an instant', async () => {
    const times = [
      '09:35',
      '2026-11-27 09:35',
      '35m',
      '+35m',
      '2026-11-27T01:35:00Z',
      '2026-11-27T09:35:00+08:00',
    ];
    const expectations = times.map((t) => `      - { at: '${t}', firing: [surge] }\n`).join('');
    const r = await run(testFile(`      - { at: '09:24', notFiring: [surge] }\n${expectations}`));
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('✓ t (7 expectations)');
  });

  it('combine several rules files into one set as the service does, and build a schedule written inline', async () => {
    const r = await run(
      testFile(`      - from: 09:00
        to: 09:40
        planned:
          - { rule: surge, shift: s1, agent: a1, end: '11:00', heldByPublishWindow: false }
          - { rule: morning-queue, action: to-on-queue, shift: s1, onQueue: ['10:00', '10:30'] }
        nothingElse: true
`),
    );
    expect(r.code, r.out).toBe(0);
  });

  it('run a disabled rule only when the test enables it, and refuse enabling one that runs already', async () => {
    const expectIdle = `      - at: 09:25\n        firing: [{ rule: idle, scope: g-4 }]\n        notFiring: [{ rule: idle, scope: g-1 }]\n`;
    expect((await run(testFile(expectIdle, '    enable: [idle]\n'))).code).toBe(0);
    const off = await run(testFile(expectIdle));
    expect(off.out).toMatch(
      /rule 'idle' is disabled in .*more-rules\.yaml \(enabled: false\), so it never runs/,
    );
    const twice = await run(testFile(expectIdle, '    enable: [idle, surge]\n'));
    expect(twice.out).toMatch(/rule 'surge' is enabled already \(fix: remove it from enable:\)/);
  });

  it('stop counting a trunk that sends nothing (`_`) once memberStaleAfter has passed, as the engine does', async () => {
    // g-4 carries 0 calls until 09:19:30, then sends nothing: it holds the group at 27 of 40
    // calls (0.675) until 5 minutes after its last sample, then the group is 27 of 30 (0.9)
    const r = await run(
      testFile(`      - { at: '09:24', notFiring: [surge] }\n      - { at: '09:35', firing: [surge] }\n`),
    );
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('✓ t (2 expectations)');
  });

  it('note nothing as held when the file has no publish window', async () => {
    const text = testFile(`      - from: 09:00
        to: 09:40
        planned: [ { rule: surge, heldByPublishWindow: true } ]
`).replace('interval: 30s\n', 'interval: 30s\npublishWindow: false\n');
    const r = await run(text);
    expect(r.code).toBe(1);
    expect(r.out).toContain('can never match: the file sets publishWindow: false');
  });
});
