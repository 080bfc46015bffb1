import { describe, expect, it } from 'vitest';
import {
  instanceOfTopic,
  metricsTopic,
  readMetricsBody,
  readTrunkPage,
} from '../../src/bridge/genesys-cloud/trunk-wire.js';

const ID = '5d5b1c9e-2b3a-5c1d-9e8f-0a1b2c3d4e5f';
const body = (over: Record<string, unknown> = {}) => ({
  trunk: { id: ID, name: 'sg-byoc-01' },
  eventTime: '2026-11-27T01:00:00.000Z',
  calls: { inboundCallCount: 3, outboundCallCount: 4 },
  qos: { mismatchCount: 0 },
  ...over,
});

describe('Genesys trunk shapes as the bridge reads them', () => {
  it('reads a metrics notification as its topic trunk’s sample: inbound plus outbound calls at eventTime', () => {
    expect(instanceOfTopic(metricsTopic(ID))).toBe(ID);
    expect(instanceOfTopic(`v2.telephony.providers.edges.trunks.${ID}`)).toBeUndefined();
    expect(readMetricsBody(body(), ID)).toEqual({
      instanceId: ID,
      time: Date.parse('2026-11-27T01:00:00Z'),
      calls: 7,
    });
    expect(readMetricsBody(body({ calls: { inboundCallCount: 2 } }), ID)).toMatchObject({ calls: 2 });
  });

  it.each([
    ['no calls', { calls: undefined }],
    ['string counts', { calls: { inboundCallCount: '3', outboundCallCount: 4 } }],
    ['a negative count', { calls: { inboundCallCount: -1, outboundCallCount: 4 } }],
    ['a fractional count', { calls: { inboundCallCount: 1.5, outboundCallCount: 4 } }],
    ['an eventTime without an offset', { eventTime: '2026-11-27T01:00:00' }],
    ['an eventTime that is no time', { eventTime: 'not-a-time' }],
  ])('refuses a body with %s as malformed', (_what, over) => {
    const b = body(over);
    if ((over as { calls?: unknown }).calls === undefined && 'calls' in over)
      delete (b as { calls?: unknown }).calls;
    expect(readMetricsBody(b, ID)).toBe('malformed');
  });

  it('tells a body of another trunk than its topic, a REST entry with no sample yet, and no object at all', () => {
    expect(readMetricsBody(body({ trunk: { id: 'other' } }), ID)).toBe('other-trunk');
    expect(readMetricsBody({ trunk: { id: ID }, qos: { mismatchCount: 0 } })).toBe('empty');
    expect(readMetricsBody(null, ID)).toBe('malformed');
    expect(readMetricsBody([body()], ID)).toBe('malformed');
    expect(readMetricsBody(body())).toMatchObject({ instanceId: ID, calls: 7 });
  });

  it('reads a trunk listing page, leaving out deleted trunks and those without a base', () => {
    const page = readTrunkPage({
      entities: [
        { id: 'a', name: 'x', state: 'active', trunkBase: { id: 'b1', name: 'Base 1' } },
        { id: 'b', name: 'x', state: 'deleted', trunkBase: { id: 'b1' } },
        { id: 'c', name: 'y' },
        { id: 'd', trunkBase: { id: 'b2' } },
      ],
      pageCount: 3,
      pageSize: 4,
    });
    expect(page).toEqual({
      instances: [
        { id: 'a', name: 'x', baseId: 'b1', baseName: 'Base 1' },
        { id: 'd', name: undefined, baseId: 'b2', baseName: undefined },
      ],
      skipped: 2,
      pageCount: 3,
      pageSize: 4,
      entities: 4,
    });
    expect(readTrunkPage({ items: [] })).toBeUndefined();
  });
});
