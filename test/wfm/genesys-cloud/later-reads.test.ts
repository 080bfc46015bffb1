import { describe, expect, it } from 'vitest';
import { WfmBadResponseError, WfmServerError } from '../../../src/wfm/errors.js';
import { LaterReads } from '../../../src/wfm/genesys-cloud/later-reads.js';
import type { ScheduleRef } from '../../../src/wfm/genesys-cloud/schedules.js';

const SCHEDULE: ScheduleRef = {
  id: 's1',
  weekDate: '2026-11-22',
  weekCount: 1,
  version: 1,
  published: true,
};

/** A read as GenesysReads.read does it: the agents waiting in the units it asks for join it. */
function reader(fail: (n: number) => unknown = () => undefined) {
  const reads: string[][] = [];
  const unitOf = (u: string) => (u.startsWith('a') ? 'mu-a' : 'mu-b');
  const later: LaterReads = new LaterReads(async (schedule, users) => {
    const joined = later.join(schedule.id, new Set(users.map(unitOf)));
    const asked = [...new Set([...users, ...joined.users])].sort();
    reads.push(asked);
    const err = fail(reads.length);
    joined.settle(err);
    if (err) throw err;
  }, 50);
  return { later, reads, unitOf };
}

const state = (p: Promise<unknown>) => {
  const s = { done: false, err: undefined as unknown };
  p.then(
    () => {
      s.done = true;
    },
    (err) => {
      s.err = err;
    },
  );
  return s;
};

describe('agents read later, with the next query of their unit', () => {
  it('joins the next query of its unit, and only of its unit', async () => {
    const { later, unitOf } = reader();
    const a = state(later.wait(SCHEDULE, [{ id: 'a2', unit: unitOf('a2') }]));
    const b = state(later.wait(SCHEDULE, [{ id: 'b2', unit: unitOf('b2') }]));
    expect(later.waiting('s1', 'a2')).toBe(true);
    const joined = later.join('s1', new Set(['mu-a']));
    expect(joined.users).toEqual(['a2']);
    expect(later.waiting('s1', 'a2')).toBe(false);
    expect(later.waiting('s1', 'b2')).toBe(true);
    joined.settle();
    await new Promise((r) => setImmediate(r));
    expect(a.done).toBe(true);
    expect(b.done).toBe(false);
    later.close();
  });

  it('reads the agents nobody else asked for on their own after the wait, every unit of the schedule in one read', async () => {
    const { later, reads, unitOf } = reader();
    const both = later.wait(SCHEDULE, [
      { id: 'a1', unit: unitOf('a1') },
      { id: 'b1', unit: unitOf('b1') },
    ]);
    const more = later.wait(SCHEDULE, [{ id: 'a3', unit: unitOf('a3') }]);
    await Promise.all([both, more]);
    expect(reads).toEqual([['a1', 'a3', 'b1']]);
    expect(later.waiting('s1', 'a1')).toBe(false);
  });

  it('reads an agent again after a failed query, and gives its waiter the error after the fourth', async () => {
    const { later, reads, unitOf } = reader(() => new WfmServerError('injected 503', { status: 503 }));
    const err = await later.wait(SCHEDULE, [{ id: 'a1', unit: unitOf('a1') }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WfmServerError);
    expect(reads).toHaveLength(4);
    expect(later.waiting('s1', 'a1')).toBe(false);
  });

  it('settles its waiter once a query after a failed one answers', async () => {
    const { later, reads, unitOf } = reader((n) =>
      n === 1 ? new WfmServerError('injected 500', { status: 500 }) : undefined,
    );
    await later.wait(SCHEDULE, [{ id: 'b1', unit: unitOf('b1') }]);
    expect(reads).toEqual([['b1'], ['b1']]);
  });

  it('gives its waiter an error that no repeat can cure at once', async () => {
    const { later, reads, unitOf } = reader(
      () => new WfmBadResponseError('an answer without agentSchedules'),
    );
    const err = await later.wait(SCHEDULE, [{ id: 'a1', unit: unitOf('a1') }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WfmBadResponseError);
    expect(reads).toHaveLength(1);
  });

  it('gives agents still waiting when it closes an error naming the schedule, rather than leaving them waiting', async () => {
    const { later, reads, unitOf } = reader();
    const waiting = later.wait(SCHEDULE, [{ id: 'a1', unit: unitOf('a1') }]);
    later.close();
    await expect(waiting).rejects.toThrow(/closed before 1 agent\(s\) of schedule s1/);
    expect(reads).toHaveLength(0);
  });
});
