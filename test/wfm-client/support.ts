import { afterEach } from 'vitest';
import { generateSchedule } from '../../src/sandbox/generate.js';
import type { SandboxOptions } from '../../src/sandbox/options.js';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/server.js';
import { parseInstant } from '../../src/time/instant.js';
import { WfmHttpClient, type WfmHttpClientOptions, type WfmRequestEvent } from '../../src/wfm/http-client.js';
import { SandboxAdmin } from '../writer/support/sandbox-admin.js';

export const WEDNESDAY = parseInstant('2026-11-25T10:00:00+08:00');
export const SNAPSHOT = generateSchedule({
  agents: 8,
  teams: 2,
  zone: 'Asia/Singapore',
  weekStart: '2026-11-22',
  days: 7,
  seed: 7,
});

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((c) => c()));
});

export async function sandbox(
  options: Partial<SandboxOptions> = {},
): Promise<{ sb: RunningSandbox; admin: SandboxAdmin }> {
  const sb = await startSandbox({
    port: 0,
    snapshot: SNAPSHOT,
    clockStart: WEDNESDAY,
    clockFrozen: true,
    ...options,
    behaviour: { rateLimitPerMinute: 0, ...options.behaviour },
  });
  cleanup.push(() => sb.close());
  return { sb, admin: new SandboxAdmin(sb.url) };
}

export function client(options: WfmHttpClientOptions): { client: WfmHttpClient; calls: WfmRequestEvent[] } {
  const calls: WfmRequestEvent[] = [];
  const c = new WfmHttpClient({ ...options, onRequest: (e) => calls.push(e) });
  cleanup.push(() => c.close());
  return { client: c, calls };
}

/** Resolves with what `promise` rejected with; fails the test when it resolved. */
export async function failure(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error('expected a failure, got success');
}
