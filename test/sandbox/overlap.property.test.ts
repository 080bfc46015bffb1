import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/sandbox/api-error.js';
import { generateSchedule } from '../../src/sandbox/generate.js';
import { WfmSandbox } from '../../src/sandbox/sandbox.js';
import { VirtualClock } from '../../src/sandbox/virtual-clock.js';
import { parseInstant, toWire } from '../../src/time/instant.js';
import { ZONES } from '../support/zones.js';

const op = fc.oneof(
  fc.record({
    kind: fc.constant('end' as const),
    shift: fc.nat(),
    quarters: fc.integer({ min: -40, max: 40 }),
  }),
  fc.record({
    kind: fc.constant('start' as const),
    shift: fc.nat(),
    quarters: fc.integer({ min: -40, max: 40 }),
  }),
  fc.record({ kind: fc.constant('owner' as const), shift: fc.nat(), agent: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), shift: fc.nat(), other: fc.nat() }),
);

describe('WFM sandbox model: overlap on UTC instants', () => {
  it('never lets an agent hold two overlapping shifts, whatever sequence of writes arrives, in any zone', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.array(op, { minLength: 1, maxLength: 60 }), (zone, ops) => {
        const snapshot = generateSchedule({
          agents: 4,
          teams: 1,
          zone,
          weekStart: '2026-03-29',
          days: 4,
          seed: 3,
        });
        const clock = new VirtualClock(parseInstant('2026-03-01T00:00:00Z'), true);
        const sandbox = new WfmSandbox(snapshot, clock, {
          dayOfWeek: 7,
          time: '02:00',
          zone,
          durationMinutes: 30,
        });
        const ids = sandbox.store.ids();
        const agents = snapshot.agents.map((a) => a.id);
        const ctx = { clientId: 'prop', idempotencyKey: null };
        for (const o of ops) {
          const shift = sandbox.store.get(ids[o.shift % ids.length]!)!;
          try {
            if (o.kind === 'end') {
              sandbox.patchShift(
                shift.id,
                { version: shift.version, end: toWire(parseInstant(shift.end) + o.quarters * 900_000) },
                ctx,
              );
            } else if (o.kind === 'start') {
              sandbox.patchShift(
                shift.id,
                { version: shift.version, start: toWire(parseInstant(shift.start) + o.quarters * 900_000) },
                ctx,
              );
            } else if (o.kind === 'owner') {
              sandbox.patchShift(
                shift.id,
                { version: shift.version, agentId: agents[o.agent % agents.length]! },
                ctx,
              );
            } else {
              const other = sandbox.store.get(ids[o.other % ids.length]!)!;
              sandbox.swap(
                [
                  {
                    swapId: 's',
                    a: { shiftId: shift.id, version: shift.version },
                    b: { shiftId: other.id, version: other.version },
                  },
                ],
                ctx,
              );
            }
          } catch (err) {
            if (!(err instanceof ApiError)) throw err;
          }
        }
        for (const agent of agents) {
          const mine = sandbox.store
            .list({ agentId: agent })
            .map((s) => [parseInstant(s.start), parseInstant(s.end)] as const);
          for (let i = 1; i < mine.length; i++) expect(mine[i]![0]).toBeGreaterThanOrEqual(mine[i - 1]![1]);
        }
      }),
      { numRuns: 300 },
    );
  });
});
