import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

/**
 * A CPU profile of one phase of a benchmark (not of its set-up), when TR_BENCH_PROFILE names
 * a file prefix: `TR_BENCH_PROFILE=/tmp/pipeline npm run bench:pipeline` writes
 * /tmp/pipeline-<phase>.cpuprofile, for Chrome DevTools or `speedscope`.
 */
export async function profilePhase<T>(phase: string, run: () => Promise<T>): Promise<T> {
  const prefix = process.env.TR_BENCH_PROFILE;
  if (!prefix) return run();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await run();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(`${prefix}-${phase}.cpuprofile`, JSON.stringify(profile));
    session.disconnect();
  }
}
