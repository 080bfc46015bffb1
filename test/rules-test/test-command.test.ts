import { afterEach, describe, expect, it, vi } from 'vitest';
import { APAC_RULES, APAC_SCHEDULE, APAC_TESTS, cli, lineOf, put, tempDir } from './support.js';

/** A small valid test file: 30 minutes of the group at 0.667 then 0.9 on a Friday morning. */
const BASE = `rules: ${APAC_RULES}
zone: Asia/Singapore
interval: 10s
schedule: ${APAC_SCHEDULE}
tests:
  - name: surge
    start: 2026-11-27 09:00
    trunks:
      - trunk: sg-byoc-{01..15}
        trunkGroup: sg-byoc
        region: apac
        site: sg1
        capacity: 30
        activeCalls: 20x59 27x119
    expect:
      - at: 09:25
        firing: [sg-byoc-surge-extend]
        notFiring: [sg-byoc-lull-vto]
      - from: 09:00
        to: 09:30
        planned:
          - { rule: sg-byoc-surge-extend, shift: sh-102-fri, end: '10:30' }
`;

/** The base file with each `from` replaced by the `to` after it. */
function variant(...changes: string[]): string {
  let text = BASE;
  for (let i = 0; i < changes.length; i += 2) {
    if (!text.includes(changes[i]!)) throw new Error(`not in the base file: ${changes[i]}`);
    text = text.replace(changes[i]!, changes[i + 1]!);
  }
  return text;
}

async function run(text: string, ...flags: string[]) {
  const file = put(tempDir(), 'surge.test.yaml', text);
  return { file, text, ...(await cli(['test', ...flags, file])) };
}

describe('trunk-reactor test', () => {
  afterEach(() => vi.restoreAllMocks());

  it('exits 0 and lists each test with its expectations when every expectation holds', async () => {
    const r = await run(BASE);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(`PASS ${r.file}\n  ✓ surge (3 expectations)\n`);
    expect(r.out).toMatch(/PASS 1 of 1 test passed · 3 of 3 expectations held · 1 file\n$/);
  });

  it('exits 1 and shows each failing expectation at its line with expected, got and the reason texts', async () => {
    const r = await run(variant("end: '10:30'", "end: '10:45'"));
    expect(r.code).toBe(1);
    const line = lineOf(r.text, "end: '10:45'");
    expect(r.out).toContain(
      `  ✗ surge (1 of 3 expectations failed)\n    ${r.file}:${line}:13 from 09:00 to 09:30: planned\n`,
    );
    expect(r.out).toMatch(/expected {2}sg-byoc-surge-extend sh-102-fri end → 10:45\n/);
    // the near miss first among what was planned in the window
    expect(r.out).toMatch(
      /got {7}sg-byoc-surge-extend extend sh-102-fri \/ a-102 end → 10:30 at 09:\d\d(:\d\d)?\n/,
    );
    expect(r.out).toMatch(
      /reason {4}avg utilization over 5m > 0\.85 \(firing until ≤ 0\.75\) for 3m, keepFiringFor 2m\n {16}sg-byoc-surge-extend: avg utilization 0\.\d+ > 0\.85 over 5m on trunkGroup sg-byoc for 3m at 09:\d\d.* → extend shift sh-102-fri of agent a-102 by 30m: end 10:00 → 10:30/,
    );
  });

  it('says why a rule expected not firing is firing, with the evidence of its last action', async () => {
    const r = await run(variant('notFiring: [sg-byoc-lull-vto]', 'notFiring: [sg-byoc-surge-on-queue]'));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /at 09:25: sg-byoc-surge-on-queue\n {6}expected {2}not firing\n {6}got {7}firing since 09:\d\d/,
    );
    expect(r.out).toMatch(
      /sg-byoc-surge-on-queue: avg utilization 0\.\d+ > 0\.8 over 5m on trunkGroup sg-byoc for 2m at 09:/,
    );
  });

  it('fails a nothingElse window with everything else planned or passed over in it', async () => {
    const r = await run(variant("end: '10:30' }\n", "end: '10:30' }\n        nothingElse: true\n"));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /from 09:00 to 09:30: nothing else\n {6}expected {2}nothing beyond the 1 listed\n {6}got {7}planned: /,
    );
    expect(r.out).toContain('passed over: sg-byoc-surge-extend passed over sh-113-fri by maxShiftLength');
  });

  it('prints one JSON object with --json: files, tests, failures and a summary', async () => {
    const r = await run(variant("end: '10:30'", "end: '10:45'"), '--json');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    expect(j.ok).toBe(false);
    expect(j.summary).toEqual({
      files: 1,
      invalidFiles: 0,
      tests: 1,
      failedTests: 1,
      expectations: 3,
      failedExpectations: 1,
    });
    const f = j.files[0].tests[0].failures[0];
    expect(f).toMatchObject({
      kind: 'planned',
      line: lineOf(r.text, "end: '10:45'"),
      path: 'tests[0].expect[1].planned[0]',
      expected: 'sg-byoc-surge-extend sh-102-fri end → 10:45',
    });
    expect(f.got[0]).toMatch(/end → 10:30/);
  });

  it('exits 2 on a usage error', async () => {
    expect((await cli(['test'])).code).toBe(2);
    expect((await cli(['test', '--jsn', APAC_TESTS])).code).toBe(2);
  });

  it('runs every file named and fails the run when one fails', async () => {
    const good = put(tempDir(), 'a.test.yaml', BASE);
    const bad = put(tempDir(), 'b.test.yaml', variant("end: '10:30'", "end: '10:45'"));
    const r = await cli(['test', good, bad]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`PASS ${good}`);
    expect(r.out).toContain(`FAIL ${bad}`);
    expect(r.out).toMatch(/FAIL 1 of 2 tests passed · 5 of 6 expectations held · 2 files\n$/);
  });
});

/** [what, the changes to the base file (from, to, …), the line marker, the message, the fix] */
const BAD_INPUT: Array<[string, string[], string, RegExp, RegExp | null]> = [
  [
    'series of different lengths',
    [
      'activeCalls: 20x59 27x119\n',
      'activeCalls: 20x59 27x119\n      - { trunk: sg-byoc-16, trunkGroup: sg-byoc, region: apac, site: sg1, capacity: 30, activeCalls: 20x59 27x118 }\n',
    ],
    'sg-byoc-16',
    /series of different lengths: the activeCalls of trunk sg-byoc-16 has 179 samples, the other series 180/,
    /add 1 sample/,
  ],
  [
    'a time before the start',
    ['at: 09:25', 'at: 08:55'],
    'at: 08:55',
    /08:55 is before the test starts \(09:00 Fri 27 Nov \+08:00/,
    /move the time to the start or later/,
  ],
  [
    'a time past the series',
    ['at: 09:25', 'at: 09:31'],
    'at: 09:31',
    /09:31 is past the series, whose last sample is at 09:29:50 Fri 27 Nov/,
    /lengthen the series/,
  ],
  [
    'a window ending past the series',
    ['to: 09:30', 'to: 09:45'],
    'to: 09:45',
    /09:45 is past the series/,
    /end the window at 09:30 Fri 27 Nov \+08:00 \(01:30Z\) at the latest/,
  ],
  [
    'an unknown rule id',
    ['firing: [sg-byoc-surge-extend]', 'firing: [sg-byoc-surge-extnd]'],
    'sg-byoc-surge-extnd',
    /unknown rule 'sg-byoc-surge-extnd': the rules files hold sg-byoc-surge-on-queue, /,
    /did you mean 'sg-byoc-surge-extend'\?/,
  ],
  [
    'an unknown trunk in a per-trunk scope',
    [
      'notFiring: [sg-byoc-lull-vto]',
      'notFiring: [{ rule: sg-byoc-trunk-saturated, scope: sg-byoc-16 }]',
      '    start: 2026-11-27 09:00\n',
      '    start: 2026-11-27 09:00\n    enable: [sg-byoc-trunk-saturated]\n',
    ],
    'scope: sg-byoc-16',
    /unknown trunk 'sg-byoc-16' for rule 'sg-byoc-trunk-saturated' \(by: trunk\): in this test it has sg-byoc-01, /,
    null,
  ],
  [
    'an unknown trunk group',
    ['firing: [sg-byoc-surge-extend]', 'firing: [{ rule: sg-byoc-surge-extend, scope: sg-byoc-east }]'],
    'sg-byoc-east',
    /unknown trunkGroup 'sg-byoc-east' for rule 'sg-byoc-surge-extend' \(by: trunkGroup\): in this test it has sg-byoc/,
    null,
  ],
  [
    'a disabled rule not switched on',
    ['notFiring: [sg-byoc-lull-vto]', 'notFiring: [sg-byoc-trunk-saturated]'],
    'notFiring: [sg-byoc-trunk-saturated]',
    /rule 'sg-byoc-trunk-saturated' is disabled in .*rules\.apac\.yaml \(enabled: false\), so it never runs/,
    /add it to this test's enable:/,
  ],
  [
    'a rule expected firing outside its during windows',
    ['firing: [sg-byoc-surge-extend]', 'firing: [sg-byoc-night-pull-forward]'],
    'sg-byoc-night-pull-forward',
    /rule 'sg-byoc-night-pull-forward' can never be firing at 09:25 Fri 27 Nov \+08:00 \(01:25Z\): it runs only during fri-sun 22:00–06:00/,
    /pick a time inside its during windows/,
  ],
  [
    'an action the rule does not take',
    ['{ rule: sg-byoc-surge-extend, shift', '{ rule: sg-byoc-surge-extend, action: pull-forward, shift'],
    'action: pull-forward',
    /can never match: rule 'sg-byoc-surge-extend' makes extend adjustments, not pull-forward/,
    /write action: extend/,
  ],
  [
    'a change the action does not make',
    ["end: '10:30'", "start: '10:30'"],
    "start: '10:30'",
    /can never match: an extend adjustment of rule 'sg-byoc-surge-extend' changes no `start`/,
    /its change is given with `end`/,
  ],
  [
    'an unknown shift',
    ['shift: sh-102-fri', 'shift: sh-102-fir'],
    'sh-102-fir',
    /unknown shift 'sh-102-fir': the schedule has no such shift/,
    /did you mean 'sh-102-fri'\?/,
  ],
  [
    'a series not in the expanding notation',
    ['activeCalls: 20x59 27x119', 'activeCalls: 20x59 27y119'],
    '27y119',
    /activeCalls: '27y119' is not a sample in the expanding notation/,
    /a ramp \(0\.5\+0\.05x8 is 9 samples\)/,
  ],
  [
    'a utilization ramp past 1',
    ['activeCalls: 20x59 27x119', 'utilization: 0.7+0.1x5'],
    'utilization: 0.7+0.1x5',
    /utilization must be in \[0, 1\], got 1\.1 at sample 5/,
    /check that a ramp does not run past 1/,
  ],
  [
    'a misspelt key',
    ['        to: 09:30', '        to: 09:30\n        nothingEls: true'],
    'nothingEls',
    /unknown key 'nothingEls' in tests\[0\]\.expect\[1\]: a misspelt key would silently change a test/,
    /did you mean 'nothingElse'\?/,
  ],
  [
    'a start without a date',
    ['start: 2026-11-27 09:00', "start: '09:00'"],
    "start: '09:00'",
    /the start needs a date: write it like 2026-11-27 09:00/,
    null,
  ],
  [
    'a point and a window in one expectation',
    ['      - at: 09:25', '      - at: 09:25\n        from: 09:00'],
    '      - at: 09:25',
    /an expectation is at a point \(`at`\) or over a window \(`from`, `to`\), not both/,
    /firing\/notFiring go with `at`/,
  ],
];

describe('trunk-reactor test on a test file it cannot run', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each(BAD_INPUT)(
    'names the file, the line and what to change for %s',
    async (_, changes, marker, message, fix) => {
      const r = await run(variant(...changes));
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/^INVALID .*surge\.test\.yaml: \d+ problems?, nothing run$/m);
      const line = lineOf(r.text, marker);
      const issue = r.out.split('\n').find((l) => message.test(l));
      expect(issue, r.out).toBeDefined();
      expect(issue).toMatch(new RegExp(`^ {2}${r.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${line}:\\d+`));
      if (fix) expect(issue).toMatch(fix);
      expect(r.out).toMatch(/^FAIL 0 of 0 tests passed · 0 of 0 expectations held · 1 file \(1 invalid\)$/m);
    },
  );

  it('reports a test file that does not exist as invalid, and one whose rules file is broken with its problems', async () => {
    const missing = await cli(['test', '/nonexistent/x.test.yaml']);
    expect(missing.code).toBe(1);
    expect(missing.out).toContain(
      '/nonexistent/x.test.yaml:1:1: cannot read the file: ENOENT (fix: check the path)',
    );
    const dir = tempDir();
    const rules = put(dir, 'rules.yaml', 'version: 1\nrules:\n  - id: a\n    cooldwn: 5m\n');
    const r = await cli(['test', put(dir, 'x.test.yaml', BASE.replace(APAC_RULES, rules))]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /x\.test\.yaml:1:8: the rules file does not load: .*rules\.yaml:4:5 rule 'a': unknown key 'cooldwn'.*did you mean 'cooldown'/,
    );
  });
});
