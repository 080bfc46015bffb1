import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

/**
 * A CPU profile of one phase of a benchmark (not of its set-up), when TR_BENCH_PROFILE names
 * a file prefix: `TR_BENCH_PROFILE=/tmp/pipeline npm run bench:pipeline` writes
 * /tmp/pipeline-<phase>.cpuprofile, for Chrome DevTools or `speedscope`; with
 * TR_BENCH_HEAP_PROFILE=1 also /tmp/pipeline-<phase>.heapprofile: where the phase allocated
 * (sampled every 32 KiB, objects the garbage collector took since included).
 */
export async function profilePhase<T>(phase: string, run: () => Promise<T>): Promise<T> {
  const prefix = process.env.TR_BENCH_PROFILE;
  if (!prefix) return run();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  const heap = Boolean(process.env.TR_BENCH_HEAP_PROFILE);
  if (heap) {
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 32 * 1024,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }
  try {
    return await run();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(`${prefix}-${phase}.cpuprofile`, JSON.stringify(profile));
    if (heap) {
      const { profile: allocations } = await session.post('HeapProfiler.stopSampling');
      writeFileSync(`${prefix}-${phase}.heapprofile`, JSON.stringify(allocations));
    }
    session.disconnect();
  }
}
