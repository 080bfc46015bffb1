import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { parseRulesText } from '../../src/rules/load.js';
import { RulesFileError } from '../../src/rules/rules-error.js';
import { nextWindowAfter } from '../../src/time/publish-window.js';
import { parseTimeOfDay, TimeOfDayError } from '../../src/time/time-of-day.js';

const pad = (n: number) => String(n).padStart(2, '0');

describe('times of day (HH:mm from 00:00 to 23:59)', () => {
  it('reads every HH:mm with hour 00–23 and minute 00–59 as minutes after midnight, and refuses the rest', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 }), (h, m) => {
        const value = `${pad(h)}:${pad(m)}`;
        if (h <= 23 && m <= 59) expect(parseTimeOfDay(value, 'time')).toBe(h * 60 + m);
        else expect(() => parseTimeOfDay(value, 'time'), value).toThrow(TimeOfDayError);
      }),
      { numRuns: 2_000 },
    );
    for (const value of ['2:00', '02:00:00', '0200', '', ' 02:00', 200]) {
      expect(() => parseTimeOfDay(value, 'time'), String(value)).toThrow(TimeOfDayError);
    }
  });

  it('refuses 24:00, 25:00 and 99:99 naming the field, the value and the fix', () => {
    const refusal = (value: string) => {
      try {
        parseTimeOfDay(value, 'publishWindow.time');
      } catch (err) {
        expect((err as TimeOfDayError).code).toBe('TR_ERR_TIME_OF_DAY');
        return (err as Error).message;
      }
      throw new Error(`accepted ${value}`);
    };
    expect(refusal('25:00')).toBe(
      'publishWindow.time: "25:00" is not a time of day (hour 25 is not 00–23): write HH:mm from 00:00 to 23:59, like 02:00',
    );
    expect(refusal('99:99')).toMatch(/^publishWindow\.time: "99:99" is not a time of day \(hour 99/);
    expect(refusal('24:00')).toMatch(
      /"24:00" is not a time of day \(the midnight that starts a day is 00:00\)/,
    );
    expect(refusal('12:60')).toMatch(/minute 60 is not 00–59/);
  });

  it('accepts 24:00 only as the end of a day', () => {
    expect(parseTimeOfDay('24:00', 'to', { endOfDay: true })).toBe(1440);
    expect(() => parseTimeOfDay('24:01', 'to', { endOfDay: true })).toThrow(/from 00:00 to 24:00/);
  });

  it('a publish window at 25:00 is refused, not rolled over into the next day', () => {
    const w = { dayOfWeek: 7 as const, time: '25:00', zone: 'Asia/Singapore', durationMinutes: 30 };
    expect(() => nextWindowAfter(Date.UTC(2026, 10, 25), w)).toThrow(
      'publish window time: "25:00" is not a time of day',
    );
  });
});

describe('times of day in the config file', () => {
  const TOKEN_ENV = { TRUNK_REACTOR_WFM_TOKEN: 'tok-s3cr3t-value' };
  const LOCAL = 'wfm:\n  baseUrl: http://127.0.0.1:8080/wfm/api/v2\n  allowInsecureHttp: true\n';
  const load = (text: string, env: Record<string, string> = {}) => {
    try {
      loadConfig('svc.yaml', { ...TOKEN_ENV, ...env }, (p) => {
        if (p !== 'svc.yaml') throw Object.assign(new Error('nope'), { code: 'ENOENT' });
        return text;
      });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error('expected the config to be refused');
  };

  it('refuses a publish window time of 25:00 or 99:99, naming the file, the line, the key, the value and the fix', () => {
    expect(load(`${LOCAL}publishWindow:\n  time: '25:00'\n`)).toBe(
      'svc.yaml:5: publishWindow.time: "25:00" is not a time of day (hour 25 is not 00–23): write HH:mm from 00:00 to 23:59, like 02:00',
    );
    expect(load(`${LOCAL}publishWindow:\n  time: '99:99'\n`)).toContain(
      'publishWindow.time: "99:99" is not a time of day',
    );
    expect(load(LOCAL, { TRUNK_REACTOR_PUBLISH_WINDOW__TIME: '24:00' })).toContain(
      'publishWindow.time: "24:00" is not a time of day',
    );
  });

  it('accepts 23:59 and 00:00', () => {
    for (const time of ['23:59', '00:00']) {
      const { config } = loadConfig('c.yaml', TOKEN_ENV, () => `${LOCAL}publishWindow:\n  time: '${time}'\n`);
      expect(config.publishWindow.time).toBe(time);
    }
  });
});

describe('times of day in rules files', () => {
  const rules = (from: string, to: string) => `version: 1
rules:
  - id: night
    scope: { by: trunkGroup, where: { trunkGroup: sg-byoc } }
    when: { metric: utilization, aggregate: avg, window: 5m, above: 0.85 }
    during: { zone: Asia/Singapore, windows: [ { from: '${from}', to: '${to}' } ] }
    action:
      extend: { team: sg-voice, by: 30m, endingWithin: 1h, maxAgents: 3 }
`;
  const issues = (text: string) => {
    try {
      parseRulesText(text, 'rules.yaml');
    } catch (err) {
      expect(err).toBeInstanceOf(RulesFileError);
      return (err as RulesFileError).issues;
    }
    throw new Error('expected the rules to be refused');
  };

  it('refuses a during hour of 25:00 or 99:99, naming the rule, the field, the value and the fix', () => {
    const [from] = issues(rules('25:00', '06:00'));
    expect(from).toMatchObject({ line: 6, ruleId: 'night', path: 'rules[0].during.windows[0].from' });
    expect(from!.message).toBe(
      '`from` "25:00" is not a time of day (hour 25 is not 00–23): write HH:mm from 00:00 to 23:59, like 02:00',
    );
    const [to] = issues(rules('22:00', '99:99'));
    expect(to!.message).toMatch(
      /^`to` "99:99" is not a time of day \(hour 99 is not 00–23\): write HH:mm from 00:00 to 24:00/,
    );
  });

  it('takes 24:00 as the end of a window only', () => {
    expect(parseRulesText(rules('00:00', '24:00'), 'rules.yaml').rules[0]!.during!.windows[0]!.to).toBe(
      '24:00',
    );
    expect(issues(rules('24:00', '06:00'))[0]!.message).toMatch(/^`from` "24:00" is not a time of day/);
  });
});
