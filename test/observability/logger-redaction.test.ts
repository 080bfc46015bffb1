import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';
import { SecretScrubber } from '../../src/observability/secrets.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { lines, destination };
}

describe('logs never carry secrets', () => {
  it('censors secret keys by path and secret values anywhere in a line, errors included', () => {
    const { lines, destination } = capture();
    const scrubber = new SecretScrubber().add('wfm-token-abc123', 'sasl-pass-xyz');
    const log = createLogger({ destination, scrubber, level: 'debug' });
    log.info({ headers: { authorization: 'Bearer wfm-token-abc123' } }, 'request sent');
    log.info({ url: 'https://wfm/x?access_token=wfm-token-abc123' }, 'odd url');
    log.error({ err: new Error('login failed for sasl-pass-xyz') }, 'kafka auth failed');
    log.debug('token is wfm-token-abc123');
    log.info({ sasl: { password: 'sasl-pass-xyz', username: 'svc' } }, 'connecting');
    const all = lines.join('');
    expect(lines).toHaveLength(5);
    expect(all).not.toContain('wfm-token-abc123');
    expect(all).not.toContain('sasl-pass-xyz');
    expect(all).toContain('[REDACTED]');
    expect(all).toContain('"username":"svc"');
  });
});
