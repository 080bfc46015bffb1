import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseInstant } from '../../../src/time/instant.js';

/**
 * A bursty upstream: events sent as a real feed that batches them would, one produce call of
 * kcat (librdkafka, a client the project did not write) per burst, keyed by trunk id and spread
 * over the topic's partitions by librdkafka's own partitioner.
 */

const KCAT = '/usr/bin/kcat';

/** The trunk id of an event line (its key), or `unknown` for a line without one. */
export function trunkOf(line: string): string {
  return /"trunkId":"([^"]+)"/.exec(line)?.[1] ?? 'unknown';
}

/** The event time of a line, or undefined when it has no valid instant. */
export function eventTimeOf(line: string): number | undefined {
  const m = /"eventTime":"([^"]+)"/.exec(line);
  if (!m) return undefined;
  try {
    return parseInstant(m[1]!);
  } catch {
    return undefined;
  }
}

/**
 * The lines in their file order, cut into bursts of `spanMs` of event time: a burst is the run
 * of lines whose event time falls in one `spanMs` slot of the clock (a line without a valid time,
 * or one older than its burst — a sample sent late on purpose — stays in the burst it is in).
 */
export function eventTimeBursts(lines: readonly string[], spanMs: number): string[][] {
  const bursts: string[][] = [];
  let current: string[] = [];
  let slot: number | undefined;
  for (const line of lines) {
    const t = eventTimeOf(line);
    const s = t === undefined ? undefined : Math.floor(t / spanMs);
    if (s !== undefined && slot !== undefined && s > slot && current.length > 0) {
      bursts.push(current);
      current = [];
    }
    if (s !== undefined && (slot === undefined || s > slot)) slot = s;
    current.push(line);
  }
  if (current.length > 0) bursts.push(current);
  return bursts;
}

/**
 * The lines of each `spanMs` burst split by trunk, as a bridge filling a gap from a per-trunk
 * REST read sends them: one trunk's samples of the span per produce call, trunk after trunk.
 */
export function trunkBursts(lines: readonly string[], spanMs: number): string[][] {
  return eventTimeBursts(lines, spanMs).flatMap((burst) => {
    const byTrunk = new Map<string, string[]>();
    for (const l of burst) {
      const list = byTrunk.get(trunkOf(l));
      if (list) list.push(l);
      else byTrunk.set(trunkOf(l), [l]);
    }
    return [...byTrunk.values()];
  });
}

/** Sends one burst with one kcat call (`-l`: one message per line of a file), keyed by trunk id. */
export function kcatBurst(
  brokers: readonly string[],
  topic: string,
  lines: readonly string[],
): Promise<void> {
  if (!existsSync(KCAT))
    throw new Error(
      `${KCAT} is missing: the input tests produce with kcat; install it with apt-get install kcat`,
    );
  const dir = mkdtempSync(join(tmpdir(), 'tr-burst-'));
  const file = join(dir, 'burst.tsv');
  writeFileSync(file, lines.map((l) => `${trunkOf(l)}\t${l}\n`).join(''));
  return new Promise<void>((resolve, reject) => {
    execFile(
      KCAT,
      ['-P', '-b', brokers.join(','), '-t', topic, '-K', '\\t', '-l', file],
      (err, _out, stderr) => {
        rmSync(dir, { recursive: true, force: true });
        if (err)
          reject(
            new Error(`kcat failed to produce a burst of ${lines.length} events: ${stderr || err.message}`),
          );
        else resolve();
      },
    );
  });
}

/** Sends every burst in order, one kcat call each, pausing `pauseMs` after each. */
export async function produceBursts(
  brokers: readonly string[],
  topic: string,
  bursts: readonly (readonly string[])[],
  pauseMs: number,
): Promise<void> {
  for (const burst of bursts) {
    await kcatBurst(brokers, topic, burst);
    await new Promise((r) => setTimeout(r, pauseMs));
  }
}
