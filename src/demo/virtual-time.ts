import type { VirtualClock } from '../sandbox/virtual-clock.js';
import type { Clock } from '../time/clock.js';

const POLL_MS = 20;

/**
 * A Clock that reads the in-process sandbox's virtual clock, so the writer's waits
 * (backoff, a publish-window deferral until 02:30 SGT) end when the demo's time passes
 * them, not after twenty real minutes. The virtual clock runs at real speed between the
 * demo's jumps, so short backoffs still pass on their own.
 */
export function virtualTime(clock: VirtualClock): Clock {
  return {
    now: () => clock.now(),
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        const until = clock.now() + Math.max(0, ms);
        if (signal?.aborted) return reject(signal.reason);
        const check = () => {
          if (clock.now() >= until) {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          } else timer = setTimeout(check, Math.min(POLL_MS, Math.max(1, until - clock.now())));
        };
        const onAbort = () => {
          clearTimeout(timer);
          reject(signal?.reason);
        };
        let timer = setTimeout(check, Math.min(POLL_MS, Math.max(1, ms)));
        signal?.addEventListener('abort', onAbort, { once: true });
      }),
  };
}
