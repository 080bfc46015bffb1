import { afterEach } from 'vitest';
import { generateSchedule } from '../../src/sandbox/generate.js';
import type { SandboxOptions } from '../../src/sandbox/options.js';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/server.js';
import { parseInstant } from '../../src/time/instant.js';
import type { ScheduleSnapshot } from '../../src/wfm/snapshot.js';

const running: RunningSandbox[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

/** Wednesday 2026-11-25 10:00 SGT: inside the week that starts Sunday 2026-11-22. */
export const WEDNESDAY = parseInstant('2026-11-25T10:00:00+08:00');

export function smallSchedule(): ScheduleSnapshot {
  return generateSchedule({
    agents: 6,
    teams: 2,
    zone: 'Asia/Singapore',
    weekStart: '2026-11-22',
    days: 14,
    seed: 7,
  });
}

/** A sandbox on a free port with a frozen virtual clock and a small schedule. */
export async function sandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const s = await startSandbox({
    port: 0,
    snapshot: smallSchedule(),
    clockStart: WEDNESDAY,
    clockFrozen: true,
    ...options,
    behaviour: { rateLimitPerMinute: 0, ...options.behaviour },
  });
  running.push(s);
  return s;
}
