import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startSandbox } from '../../src/sandbox/server.js';
import { parseInstant } from '../../src/time/instant.js';

const run = promisify(execFile);

describe('the contract reproduced with nothing but curl', () => {
  it('shows 200, replay, stale-version 409, offset-less 400, publish-lock 409 and 429 against the sandbox', async () => {
    const s = await startSandbox({
      port: 0,
      clockStart: parseInstant('2026-11-25T10:00:00+08:00'),
      behaviour: { rateLimitPerMinute: 60, rateLimitBurst: 30 },
    });
    try {
      const { stdout } = await run('bash', ['scripts/contract-curl-demo.sh'], {
        env: { ...process.env, WFM_URL: s.url },
      });
      const sections = stdout.split('\n== ').slice(1);
      expect(sections).toHaveLength(6);
      expect(sections[0]).toContain('HTTP/1.1 200');
      expect(sections[1]).toMatch(/HTTP\/1.1 200[\s\S]*idempotency-replayed: true/);
      expect(sections[2]).toMatch(/HTTP\/1.1 409[\s\S]*"errorCode":"VERSION_CONFLICT".*"currentVersion":2/);
      expect(sections[3]).toMatch(/HTTP\/1.1 400[\s\S]*VALIDATION_ERROR/);
      expect(sections[4]).toMatch(/HTTP\/1.1 409[\s\S]*retry-after: \d+[\s\S]*SCHEDULE_LOCKED/);
      expect(sections[5]).toMatch(/HTTP\/1.1 429[\s\S]*retry-after: \d+[\s\S]*RATE_LIMITED/);
    } finally {
      await s.close();
    }
  });
});
