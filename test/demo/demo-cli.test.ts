import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** `trunk-reactor demo ARGS` as a process, with KAFKA_BROKERS as given (unset when null). */
function demo(args: string[], kafkaBrokers: string | null) {
  const env = { ...process.env };
  delete env.KAFKA_BROKERS;
  if (kafkaBrokers !== null) env.KAFKA_BROKERS = kafkaBrokers;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'demo', ...args], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += String(d);
  });
  child.stderr.on('data', (d) => {
    stderr += String(d);
  });
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, stdout, stderr })),
  );
}

describe('trunk-reactor demo: where the events travel', () => {
  it('goes through Kafka when KAFKA_BROKERS is set, as in CI, and still ends with the summary', async () => {
    const r = await demo(['--json', '--admin-port', '0'], inject('kafkaBrokers') as string);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as {
      source: string;
      adjustments: number;
      outcomes: Record<string, number>;
      kafka: { deleted: boolean };
    };
    expect(s.source).toBe('kafka');
    expect(s.kafka.deleted).toBe(true);
    expect(s.outcomes.applied).toBe(s.adjustments);
    expect(r.stderr).toMatch(/through Kafka: events 2403\/2403/);
  }, 90_000);

  it('stays in process with --source memory, whatever KAFKA_BROKERS says', async () => {
    // nothing listens on port 1: a Kafka attempt would fail
    const r = await demo(['--source', 'memory', '--json', '--admin-port', '0'], '127.0.0.1:1');
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as {
      source: string;
      adjustments: number;
      outcomes: Record<string, number>;
    };
    expect(s.source).toBe('memory');
    expect(s.outcomes.applied).toBe(s.adjustments);
  }, 60_000);

  it('refuses an --other-integration share outside 0 to 1, saying what it is', async () => {
    const r = await demo(['--source', 'memory', '--other-integration', '50'], null);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      '--other-integration is the share of the shifts written that another integration changes first, from 0 to 1',
    );
  });

  it('says what --source kafka needs when KAFKA_BROKERS is not set', async () => {
    const r = await demo(['--source', 'kafka'], null);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--source kafka needs the brokers in KAFKA_BROKERS');
  });
});
