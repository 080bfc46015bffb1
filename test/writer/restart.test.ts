import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Adjustment } from '../../src/planner/adjustment.js';
import { parseInstant, toWire } from '../../src/time/instant.js';
import type { Outcome } from '../../src/writer/outcome.js';
import { swap, update } from './support/adjustments.js';
import { fixture, schedule, shiftOf } from './support/fixture.js';
import { writesByAdjustment } from './support/sandbox-admin.js';

const MIN = 60_000;
const SCRIPT = join(import.meta.dirname, 'support', 'writer-process.ts');
const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function startWriter(baseUrl: string, adjustmentsFile: string, outcomesFile: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, baseUrl, adjustmentsFile, outcomesFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return child;
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

function readOutcomes(file: string): Outcome[] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Outcome);
  } catch {
    return [];
  }
}

describe('writer: kill -9 and restart', () => {
  it('applies each adjustment exactly once across a SIGKILL mid-run and a restart on the same adjustments', async () => {
    const snapshot = schedule(24, 7);
    const f = await fixture({ snapshot, warm: false });
    await f.admin.faults({
      latencyMs: 40,
      latencyJitterMs: 20,
      errorAfterWriteRate: 0.05,
      mutatorPerSecond: 5,
      seed: 3,
    });

    const adjustments: Adjustment[] = [];
    for (let day = 1; day <= 3; day++) {
      for (let agent = 0; agent < 20; agent++) {
        const s = shiftOf(snapshot, agent, day);
        adjustments.push(update(s, { kind: 'set-end', end: toWire(parseInstant(s.end) + 30 * MIN) }));
      }
    }
    for (let day = 4; day <= 5; day++) {
      for (let k = 0; k < 10; k++)
        adjustments.push(swap(shiftOf(snapshot, 2 * k, day), shiftOf(snapshot, 2 * k + 1, day)));
    }
    const dir = mkdtempSync(join(tmpdir(), 'tr-writer-restart-'));
    dirs.push(dir);
    const file = join(dir, 'adjustments.json');
    writeFileSync(file, JSON.stringify(adjustments));

    // Run 1: killed once a third of the writes are in.
    const first = startWriter(f.sandbox.baseUrl, file, join(dir, 'run1.jsonl'));
    for (;;) {
      const ours = (await f.admin.ledger()).filter((e) => e.clientId !== 'other-integration');
      if (ours.length >= 30) break;
      if (first.exitCode !== null) throw new Error('the first run finished before it could be killed');
      await new Promise((r) => setTimeout(r, 10));
    }
    first.kill('SIGKILL');
    await exited(first);
    const acknowledgedBeforeKill = readOutcomes(join(dir, 'run1.jsonl'));
    const writtenBeforeKill = writesByAdjustment(await f.admin.ledger());
    expect(acknowledgedBeforeKill.length).toBeLessThan(adjustments.length);

    // Run 2: the same adjustments, from the start.
    const second = startWriter(f.sandbox.baseUrl, file, join(dir, 'run2.jsonl'));
    let stderr = '';
    second.stderr?.on('data', (d) => {
      stderr += String(d);
    });
    expect(await exited(second), stderr).toBe(0);

    const outcomes = readOutcomes(join(dir, 'run2.jsonl'));
    expect(outcomes).toHaveLength(adjustments.length);
    expect(outcomes.filter((o) => o.status !== 'applied' && o.status !== 'already-applied')).toEqual([]);
    expect(outcomes.some((o) => o.status === 'already-applied')).toBe(true);

    const writes = writesByAdjustment(await f.admin.ledger());
    for (const a of adjustments) {
      expect(writes.get(a.key), `${a.kind} ${a.key}`).toHaveLength(a.kind === 'swap' ? 2 : 1);
    }
    expect(writes.size).toBe(adjustments.length);
    // Nothing acknowledged before the kill was left unapplied.
    for (const o of acknowledgedBeforeKill)
      expect(writtenBeforeKill.has(o.key) || o.status === 'already-applied').toBe(true);
  });
});
