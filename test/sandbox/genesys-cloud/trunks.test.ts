import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeTrunkEvent } from '../../../src/events/decode.js';
import { DEFAULT_PERMISSIONS } from '../../../src/sandbox/genesys-cloud/options.js';
import { admin, api, type ErrorBody, genesys, token } from './fixture.js';
import {
  EDGES,
  eventsFile,
  instancesOf,
  produced,
  regularEvents,
  state,
  type WireListing,
  type WireMetrics,
  type WireTrunk,
} from './trunk-fixture.js';

const DEMO = 'config/demo/apac-events.ndjson';

describe('genesys-cloud sandbox: trunks', () => {
  it('lists each BYOC trunk base of the demo once per edge, paged by pageNumber and nextUri', async () => {
    const s = await genesys();
    const t = await token(s);
    const first = await api<WireListing<WireTrunk>>(
      s,
      t,
      'GET',
      `${EDGES}/trunks?trunkType=EXTERNAL&pageSize=12`,
    );
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ pageSize: 12, pageNumber: 1, total: 30, pageCount: 3 });
    expect(first.body.previousUri).toBeUndefined();
    const seen: WireTrunk[] = [...first.body.entities];
    let next = first.body.nextUri;
    while (next) {
      const page = await api<WireListing<WireTrunk>>(s, t, 'GET', next);
      seen.push(...page.body.entities);
      next = page.body.nextUri;
      if (page.body.pageNumber === 3) expect(next).toBeUndefined();
    }
    expect(new Set(seen.map((x) => x.id)).size).toBe(30);
    expect(seen.every((x) => x.trunkType === 'EXTERNAL' && x.state === 'active')).toBe(true);
    const byBase = new Map<string, WireTrunk[]>();
    for (const x of seen) byBase.set(x.trunkBase.name, [...(byBase.get(x.trunkBase.name) ?? []), x]);
    expect([...byBase.keys()].sort()).toEqual(
      Array.from({ length: 15 }, (_, i) => `sg-byoc-${String(i + 1).padStart(2, '0')}`),
    );
    for (const instances of byBase.values()) {
      expect(instances).toHaveLength(2);
      expect(new Set(instances.map((x) => x.edge.id)).size).toBe(2);
      // an instance is named like its base: only trunkBase.id tells which base it is
      expect(instances.every((x) => x.name === x.trunkBase.name)).toBe(true);
    }
  });

  it('lists the phone trunk too unless trunkType filters it out, and filters by trunkBaseId and edgeId', async () => {
    const s = await genesys();
    const t = await token(s);
    const all = await api<WireListing<WireTrunk>>(s, t, 'GET', `${EDGES}/trunks?pageSize=100`);
    expect(all.body.total).toBe(32);
    expect(all.body.entities.filter((x) => x.trunkType === 'PHONE')).toHaveLength(2);
    const one = all.body.entities.find((x) => x.trunkBase.name === 'sg-byoc-07')!;
    const ofBase = await api<WireListing<WireTrunk>>(
      s,
      t,
      'GET',
      `${EDGES}/trunks?trunkBaseId=${one.trunkBase.id}`,
    );
    expect(ofBase.body.entities.map((x) => x.trunkBase.name)).toEqual(['sg-byoc-07', 'sg-byoc-07']);
    const onEdge = await api<WireListing<WireTrunk>>(
      s,
      t,
      'GET',
      `${EDGES}/trunks?trunkType=EXTERNAL&edgeId=${one.edge.id}&pageSize=100`,
    );
    expect(onEdge.body.total).toBe(15);
    expect(onEdge.body.entities.every((x) => x.edge.id === one.edge.id)).toBe(true);
    const bad = await api<ErrorBody>(s, t, 'GET', `${EDGES}/trunks?trunkType=BYOC`);
    expect([bad.status, bad.body.code]).toEqual([400, 'invalid.value']);
  });

  it('cuts a pageSize over 100 to 100 and answers a page past the last empty', async () => {
    const s = await genesys({ trunks: { synthetic: { instances: 150, seconds: 1 } } });
    const t = await token(s);
    const big = await api<WireListing<WireTrunk>>(
      s,
      t,
      'GET',
      `${EDGES}/trunks?trunkType=EXTERNAL&pageSize=500`,
    );
    expect(big.body).toMatchObject({ pageSize: 100, total: 150, pageCount: 2 });
    expect(big.body.entities).toHaveLength(100);
    expect(big.body.nextUri).toContain('pageNumber=2');
    const past = await api<WireListing<WireTrunk>>(
      s,
      t,
      'GET',
      `${EDGES}/trunks?trunkType=EXTERNAL&pageNumber=9`,
    );
    expect(past.body.entities).toEqual([]);
  });

  it('answers a trunk by id, and 404 for one the org does not have', async () => {
    const s = await genesys();
    const t = await token(s);
    const [instance] = await instancesOf(s, t, 'sg-byoc-03');
    const r = await api<WireTrunk>(s, t, 'GET', `${EDGES}/trunks/${instance!.id}`);
    expect(r.body).toEqual(instance);
    const missing = await api<ErrorBody>(s, t, 'GET', `${EDGES}/trunks/no-such-trunk`);
    expect([missing.status, missing.body.code]).toEqual([404, 'not.found']);
  });

  it('lists trunk base settings with properties only when expanded, and answers one with them', async () => {
    const s = await genesys();
    const t = await token(s);
    const list = await api<
      WireListing<{ id: string; name: string; trunkType: string; properties?: unknown }>
    >(s, t, 'GET', `${EDGES}/trunkbasesettings?pageSize=100`);
    expect(list.body.total).toBe(16);
    expect(list.body.entities.filter((b) => b.trunkType === 'EXTERNAL')).toHaveLength(15);
    expect(list.body.entities.every((b) => b.properties === undefined)).toBe(true);
    const expanded = await api<WireListing<{ properties: Record<string, { value: { instance: unknown } }> }>>(
      s,
      t,
      'GET',
      `${EDGES}/trunkbasesettings?expand=properties&name=sg-byoc-02`,
    );
    expect(expanded.body.entities).toHaveLength(1);
    expect(expanded.body.entities[0]!.properties.trunk_label!.value.instance).toBe('sg-byoc-02');
    const [instance] = await instancesOf(s, t, 'sg-byoc-02');
    const one = await api<{ name: string; trunkType: string; properties: Record<string, unknown> }>(
      s,
      t,
      'GET',
      `${EDGES}/trunkbasesettings/${(instance as WireTrunk).trunkBase.id}`,
    );
    expect(one.body).toMatchObject({ name: 'sg-byoc-02', trunkType: 'EXTERNAL' });
    // Max Concurrent Calls is Unlimited on BYOC Cloud: no capacity comes from the org
    expect(Object.keys(one.body.properties).some((k) => /max.*call/i.test(k))).toBe(false);
  });

  it('refuses every trunk route with 403 missing.permissions without telephony:plugin:all', async () => {
    const s = await genesys();
    const t = await token(s);
    const [instance] = await instancesOf(s, t, 'sg-byoc-01');
    await admin(s, 'PUT', '/clients/trunk-reactor', {
      permissions: DEFAULT_PERMISSIONS.filter((p) => p !== 'telephony:plugin:all'),
    });
    for (const path of [
      `${EDGES}/trunks`,
      `${EDGES}/trunks/${instance!.id}`,
      `${EDGES}/trunks/${instance!.id}/metrics`,
      `${EDGES}/trunks/metrics?trunkIds=${instance!.id}`,
      `${EDGES}/trunkbasesettings`,
    ]) {
      const r = await api<ErrorBody & { messageParams: { missingPermissions: string } }>(s, t, 'GET', path);
      expect([r.status, r.body.code, r.body.messageParams.missingPermissions]).toEqual([
        403,
        'missing.permissions',
        'telephony:plugin:all',
      ]);
    }
  });

  it('holds the trunk routes to the per-token rate limit like every API route', async () => {
    const s = await genesys({ behaviour: { rateLimitPerMinute: 3, rateLimitBurst: 3 } });
    const t = await token(s);
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((await api(s, t, 'GET', `${EDGES}/trunks`)).status);
    expect(codes).toEqual([200, 200, 200, 429]);
  });
});

describe('genesys-cloud sandbox: trunk metrics over REST', () => {
  it("splits each event's activeCalls over its base's instances so that they sum to it, all at its eventTime", async () => {
    const s = await genesys({ trunks: { eventsFile: DEMO } });
    const expected = readFileSync(DEMO, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .flatMap((l) => {
        const r = decodeTrunkEvent(l);
        return r.ok ? [r.sample] : [];
      })
      .sort((a, b) => a.time - b.time);
    const st = await state(s);
    expect(st.scenario).toMatchObject({ kind: 'events', entries: expected.length, skipped: 1 });
    await admin(s, 'POST', '/trunks/step', { count: expected.length });
    const out = await produced(s);
    expect(out).toHaveLength(expected.length * 2);
    expected.forEach((e, k) => {
      const pair = out.slice(2 * k, 2 * k + 2);
      expect(pair.map((p) => p.trunkBaseName)).toEqual([e.trunkId, e.trunkId]);
      expect(new Set(pair.map((p) => p.trunkId)).size).toBe(2);
      expect(pair.map((p) => Date.parse(p.eventTime))).toEqual([e.time, e.time]);
      expect(pair.reduce((n, p) => n + p.inboundCallCount + p.outboundCallCount, 0)).toBe(e.activeCalls);
    });
    // no instance holds a fixed share: the split differs from event to event
    const shares = new Set(
      out.filter((_, i) => i % 2 === 0).map((p) => p.inboundCallCount + p.outboundCallCount),
    );
    expect(shares.size).toBeGreaterThan(3);
  });

  it("answers each instance's latest sample, one by one and in bulk", async () => {
    const s = await genesys({ trunks: { eventsFile: eventsFile(regularEvents(2, 3)) } });
    const t = await token(s);
    await admin(s, 'POST', '/trunks/step', { count: 5 });
    const out = await produced(s);
    const latest = new Map(out.map((p) => [p.trunkId, p]));
    const instances = [
      ...(await instancesOf(s, t, 'sg-byoc-01')),
      ...(await instancesOf(s, t, 'sg-byoc-02')),
    ];
    for (const i of instances) {
      const want = latest.get(i.id)!;
      const r = await api<WireMetrics>(s, t, 'GET', `${EDGES}/trunks/${i.id}/metrics`);
      expect(r.body).toMatchObject({
        eventTime: want.eventTime,
        trunk: { id: i.id, name: i.name },
        calls: { inboundCallCount: want.inboundCallCount, outboundCallCount: want.outboundCallCount },
        qos: { mismatchCount: 0 },
      });
    }
    const bulk = await api<WireMetrics[]>(
      s,
      t,
      'GET',
      `${EDGES}/trunks/metrics?trunkIds=${instances.map((i) => i.id).join(',')}`,
    );
    expect(bulk.body.map((m) => m.trunk.id)).toEqual(instances.map((i) => i.id));
    expect(bulk.body.map((m) => m.eventTime)).toEqual(instances.map((i) => latest.get(i.id)!.eventTime));
  });

  it('answers a trunk with no sample yet with only trunk and qos', async () => {
    const s = await genesys();
    const t = await token(s);
    const [instance] = await instancesOf(s, t, 'sg-byoc-05');
    const r = await api<WireMetrics>(s, t, 'GET', `${EDGES}/trunks/${instance!.id}/metrics`);
    expect(Object.keys(r.body).sort()).toEqual(['qos', 'trunk']);
  });

  it('refuses bulk metrics naming an unknown trunk with 404, or leaves it out when told to', async () => {
    const s = await genesys();
    const t = await token(s);
    const [instance] = await instancesOf(s, t, 'sg-byoc-01');
    const path = `${EDGES}/trunks/metrics?trunkIds=${instance!.id},gone-trunk`;
    const strict = await api<ErrorBody>(s, t, 'GET', path);
    expect([strict.status, strict.body.code]).toEqual([404, 'not.found']);
    expect(strict.body.message).toContain('gone-trunk');
    await admin(s, 'PUT', '/trunks/behaviour', { unknownTrunkIds: 'omit' });
    const lenient = await api<WireMetrics[]>(s, t, 'GET', path);
    expect(lenient.body.map((m) => m.trunk.id)).toEqual([instance!.id]);
    const none = await api<ErrorBody>(s, t, 'GET', `${EDGES}/trunks/metrics`);
    expect([none.status, none.body.code]).toEqual([400, 'invalid.value']);
  });

  it('refuses more than 100 trunk ids in one bulk request', async () => {
    const s = await genesys();
    const t = await token(s);
    const ids = Array.from({ length: 101 }, (_, i) => `t${i}`).join(',');
    const r = await api<ErrorBody>(s, t, 'GET', `${EDGES}/trunks/metrics?trunkIds=${ids}`);
    expect([r.status, r.body.code]).toEqual([400, 'invalid.value']);
    expect(r.body.message).toMatch(/at most 100/);
  });
});

describe('genesys-cloud sandbox: the trunk mapping', () => {
  it('gives each trunk base the project trunk of its events, and leaves out the bases asked for', async () => {
    const s = await genesys({
      trunks: {
        eventsFile: eventsFile([
          { trunkId: 'sg-byoc-01', eventTime: '2026-11-27T09:00:00+08:00', activeCalls: 3, capacity: 40 },
          { trunkId: 'sg-byoc-02', eventTime: '2026-11-27T09:00:00+08:00', activeCalls: 4, site: 'sg2' },
        ]),
      },
    });
    const t = await token(s);
    const [one] = await instancesOf(s, t, 'sg-byoc-01');
    type Mapping = {
      trunks: Record<string, { trunkId: string; capacity: number }>;
      trunkBases: Array<{ trunkBaseId: string; trunkBaseName: string; site: string; labels: object }>;
    };
    const all = await admin<Mapping>(s, 'GET', '/trunks/mapping');
    expect(all.body.trunkBases).toHaveLength(2);
    expect(all.body.trunks[one!.trunkBase.id]).toEqual({
      trunkId: 'sg-byoc-01',
      trunkGroup: 'sg-byoc',
      region: 'apac',
      site: 'sg1',
      labels: { carrier: 'singtel' },
      capacity: 40,
    });
    expect(all.body.trunkBases.find((b) => b.trunkBaseName === 'sg-byoc-02')!.site).toBe('sg2');
    const left = await admin<Mapping>(s, 'GET', '/trunks/mapping?omit=sg-byoc-02');
    expect(Object.values(left.body.trunks).map((m) => m.trunkId)).toEqual(['sg-byoc-01']);
    const byId = await admin<Mapping>(s, 'GET', `/trunks/mapping?omit=${one!.trunkBase.id}`);
    expect(byId.body.trunkBases.map((b) => b.trunkBaseName)).toEqual(['sg-byoc-02']);
  });
});
