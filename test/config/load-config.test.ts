import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.js';

const files = (map: Record<string, string>) => (p: string) => {
  if (!(p in map)) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
  return map[p]!;
};
const TOKEN_ENV = { TRUNK_REACTOR_WFM_TOKEN: 'tok-s3cr3t-value' };
const LOCAL = 'wfm:\n  baseUrl: http://127.0.0.1:8080/wfm/api/v2\n  allowInsecureHttp: true\n';

describe('config loading', () => {
  it('fills every value from the defaults when the file is empty', () => {
    const { config } = loadConfig('c.yaml', TOKEN_ENV, files({ 'c.yaml': LOCAL }));
    expect(config.kafka.topics.events).toBe('trunk-utilization');
    expect(config.publishWindow).toEqual({
      dayOfWeek: 7,
      time: '02:00',
      zone: 'Asia/Singapore',
      durationMinutes: 30,
    });
    expect(config.admin.host).toBe('127.0.0.1');
  });

  it('lets TRUNK_REACTOR_… environment variables override file values', () => {
    const { config, overrides } = loadConfig(
      'c.yaml',
      {
        ...TOKEN_ENV,
        TRUNK_REACTOR_KAFKA__BROKERS: 'a:9092,b:9093',
        TRUNK_REACTOR_WFM__REQUESTS_PER_MINUTE: '120',
        TRUNK_REACTOR_LOG__LEVEL: 'debug',
      },
      files({ 'c.yaml': `${LOCAL}kafka:\n  brokers: [x:1]\n` }),
    );
    expect(config.kafka.brokers).toEqual(['a:9092', 'b:9093']);
    expect(config.wfm.requestsPerMinute).toBe(120);
    expect(config.log.level).toBe('debug');
    expect(overrides).toContain('TRUNK_REACTOR_WFM__REQUESTS_PER_MINUTE → wfm.requestsPerMinute');
  });

  it('names the file, the line and the key of an unknown or invalid value', () => {
    const text = `${LOCAL}kafka:\n  brokerz: [a:1]\npublishWindow:\n  zone: Asia/Singapur\n`;
    const err = (() => {
      try {
        loadConfig('svc.yaml', TOKEN_ENV, files({ 'svc.yaml': text }));
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.code).toBe('TR_ERR_CONFIG');
    expect(err!.message).toMatch(/svc\.yaml:5: kafka: .*brokerz/);
    expect(err!.message).toMatch(/svc\.yaml:7: publishWindow\.zone: must be an IANA time zone/);
  });

  it('refuses a planner read budget that would outlast a Kafka transaction, naming the line and both keys', () => {
    const text = `${LOCAL}kafka:\n  transactionTimeoutMs: 15000\nplanner:\n  readBudgetMs: 15000\n`;
    expect(() => loadConfig('svc.yaml', TOKEN_ENV, files({ 'svc.yaml': text }))).toThrow(
      /svc\.yaml:7: planner\.readBudgetMs: must be below kafka\.transactionTimeoutMs \(15000\), got 15000/,
    );
    const { config } = loadConfig(
      'svc.yaml',
      TOKEN_ENV,
      files({
        'svc.yaml': `${LOCAL}kafka:\n  transactionTimeoutMs: 15000\nplanner:\n  readBudgetMs: 12000\n`,
      }),
    );
    expect(config.planner).toEqual({
      readTimeoutMs: 10_000,
      readBudgetMs: 12_000,
      readBackoffBaseMs: 250,
      readBackoffCapMs: 4_000,
    });
  });

  it('reports YAML syntax errors with their line', () => {
    expect(() =>
      loadConfig('bad.yaml', TOKEN_ENV, files({ 'bad.yaml': 'kafka:\n  brokers: [a:1\n' })),
    ).toThrow(/bad\.yaml:\d+: not valid YAML/);
  });

  it('refuses a plain-http WFM unless explicitly allowed for a local sandbox', () => {
    expect(() =>
      loadConfig(
        'c.yaml',
        TOKEN_ENV,
        files({ 'c.yaml': 'wfm:\n  baseUrl: http://wfm.example.com/wfm/api/v2\n' }),
      ),
    ).toThrow(/must be https:\/\/.*allowInsecureHttp/);
  });

  it('reads secrets from the environment or a file and never puts them in an error message', () => {
    const text = `${LOCAL}  auth: { kind: oauth, clientId: tr, clientSecret: { file: /run/secret } }\nkafka:\n  sasl: { mechanism: scram-sha-512, username: u, password: { env: SASL_PW } }\n`;
    const loaded = loadConfig(
      'c.yaml',
      { SASL_PW: 'sasl-pw-123' },
      files({ 'c.yaml': text, '/run/secret': 'client-secret-xyz\n' }),
    );
    expect(loaded.secrets).toEqual({ wfmClientSecret: 'client-secret-xyz', saslPassword: 'sasl-pw-123' });
    expect(loaded.scrubber.scrub('Bearer client-secret-xyz and sasl-pw-123')).toBe(
      'Bearer [REDACTED] and [REDACTED]',
    );
    expect(() =>
      loadConfig('c.yaml', {}, files({ 'c.yaml': text, '/run/secret': 'client-secret-xyz' })),
    ).toThrow(/kafka\.sasl\.password: environment variable SASL_PW is not set/);
  });

  it('loads the commented example config in config/', () => {
    const { config } = loadConfig('config/trunk-reactor.yaml', TOKEN_ENV);
    expect(config.rules.files).toEqual(['config/rules.apac.yaml']);
    expect(config.admin.host).toBe('127.0.0.1');
  });
});
