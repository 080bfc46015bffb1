import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventTemplate } from '../../src/bridge/genesys-cloud/event-template.js';
import { encodeTrunkEvent } from '../../src/events/encode.js';
import { toSample } from '../../src/events/trunk-event.js';

const name = fc.stringMatching(/^[^\s]{1,40}$/);
const trunk = fc.record({
  trunkId: name,
  trunkGroup: name,
  region: name,
  site: name,
  labels: fc.option(
    fc.dictionary(fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_.-]{0,10}$/), fc.string({ maxLength: 30 })),
    {
      nil: undefined,
    },
  ),
  capacity: fc.integer({ min: 1, max: 1_000_000 }),
});

describe('a mapped trunk’s event template', () => {
  it('writes every event byte for byte as encodeTrunkEvent does, whatever the labels hold', () => {
    fc.assert(
      fc.property(
        trunk,
        fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2099, 11, 31) }),
        fc.integer({ min: 0, max: 1_000_000 }),
        (t, time, activeCalls) => {
          const labels = t.labels && Object.keys(t.labels).length > 0 ? t.labels : undefined;
          const m = { ...t, labels };
          expect(new EventTemplate(m).encode(time, activeCalls)).toBe(
            encodeTrunkEvent(toSample({ ...m, time, activeCalls })),
          );
        },
      ),
    );
  });

  it('stays exact when a label holds the template’s own marks', () => {
    const m = {
      trunkId: 'sg-byoc-01',
      trunkGroup: 'sg-byoc',
      region: 'apac',
      site: 'sg1',
      labels: { note: '"eventTime":"2000-01-01T00:00:00Z" "activeCalls":987654321' },
      capacity: 30,
    };
    const time = Date.parse('2026-11-27T01:00:00Z');
    expect(new EventTemplate(m).encode(time, 7)).toBe(
      encodeTrunkEvent(toSample({ ...m, time, activeCalls: 7 })),
    );
  });
});
