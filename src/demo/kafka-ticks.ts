import type { Scenario } from './scenario.js';

/** The events of one minute of event time, produced together. */
export interface Tick {
  /** the newest event time in it, epoch ms: the sandbox's clock while it is processed */
  time: number;
  messages: Array<{ key: string | null; value: string }>;
}

const MINUTE_MS = 60_000;

/**
 * The story cut into minutes of event time, in file order. A line that does not decode
 * travels with the minute it sits in (keyed by nothing: the pipeline dead-letters it).
 */
export function scenarioTicks(s: Scenario): Tick[] {
  const out: Tick[] = [];
  let current: (Tick & { minute: number }) | undefined;
  s.items.forEach((item, i) => {
    const minute = item.ok ? Math.floor(item.sample.time / MINUTE_MS) : undefined;
    if (current === undefined || (minute !== undefined && minute !== current.minute)) {
      const time = item.ok ? item.sample.time : s.start;
      current = { minute: minute ?? Math.floor(time / MINUTE_MS), time, messages: [] };
      out.push(current);
    }
    if (item.ok && item.sample.time > current.time) current.time = item.sample.time;
    current.messages.push({ key: item.ok ? item.sample.trunkId : null, value: s.lines[i]! });
  });
  return out.map(({ time, messages }) => ({ time, messages }));
}
