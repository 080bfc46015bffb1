import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startSandbox } from '../../src/sandbox/server.js';
import type { Shift } from '../../src/wfm/contract.js';
import { call } from '../support/http.js';
import { sandbox, smallSchedule, WEDNESDAY } from './fixture.js';

const S = 'shift-10400-20261125';
const admin = (url: string, path: string, body?: unknown) =>
  call(
    `${url}/_sandbox/${path}`,
    body === undefined ? { token: null } : { method: 'PUT', body, token: null },
  );

describe('WFM sandbox: fault injection', () => {
  it('answers a configured share of requests with 503', async () => {
    const s = await sandbox();
    await admin(s.url, 'faults', { errorRate: 1 });
    const r = await call<{ errorCode: string }>(`${s.baseUrl}/schedules/shifts/${S}`);
    expect([r.status, r.body.errorCode]).toEqual([503, 'SERVICE_UNAVAILABLE']);
  });

  it('resets connections without an answer', async () => {
    const s = await sandbox();
    await admin(s.url, 'faults', { resetRate: 1 });
    await expect(call(`${s.baseUrl}/schedules/shifts/${S}`)).rejects.toThrow();
    await admin(s.url, 'faults', { resetRate: 0 });
    expect((await call(`${s.baseUrl}/schedules/shifts/${S}`)).status).toBe(200);
  });

  it('can apply a write and still answer 500; the retry with the same key gets the stored answer', async () => {
    const s = await sandbox();
    await admin(s.url, 'faults', { errorAfterWriteRate: 1 });
    const req = {
      method: 'PATCH',
      body: { version: 1, end: '2026-11-25T06:30:00Z' },
      headers: { 'idempotency-key': 'lost-answer' },
    };
    expect((await call(`${s.baseUrl}/schedules/shifts/${S}`, req)).status).toBe(500);
    await admin(s.url, 'faults', { errorAfterWriteRate: 0 });
    const retry = await call<Shift>(`${s.baseUrl}/schedules/shifts/${S}`, req);
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotency-replayed')).toBe('true');
    expect(s.sandbox.ledger.since(1).entries.filter((e) => e.kind === 'patch')).toHaveLength(1);
  });

  it('can apply a write and answer 200 with a body the contract does not allow, in each unreadable shape', async () => {
    const s = await sandbox();
    const answers: Record<string, string> = {};
    for (const [i, shape] of ['wrong-shape', 'not-json', 'empty', 'truncated'].entries()) {
      await admin(s.url, 'faults', { unreadableAfterWriteRate: 1, unreadableBody: shape });
      const r = await fetch(`${s.baseUrl}/schedules/shifts/${S}`, {
        method: 'PATCH',
        headers: { authorization: 'Bearer sandbox-token', 'content-type': 'application/json' },
        body: JSON.stringify({ version: i + 1, end: `2026-11-25T0${6 + i}:30:00Z` }),
      });
      expect(r.status).toBe(200);
      answers[shape] = await r.text();
    }
    const shift = s.sandbox.store.get(S)!;
    expect(shift.version).toBe(5);
    expect(JSON.parse(answers['wrong-shape']!).data).toMatchObject({ id: S, version: 2 });
    expect(answers['not-json']).toBe('OK');
    expect(answers.empty).toBe('');
    expect(answers.truncated!.length).toBeGreaterThan(0);
    expect(() => JSON.parse(answers.truncated!)).toThrow();
    expect(s.sandbox.ledger.since(1).entries.filter((e) => e.kind === 'patch')).toHaveLength(4);
    expect((await admin(s.url, 'stats')).body).toMatchObject({ unreadable: 4 });
  });

  it('can answer a write 200 with an unreadable body without applying it, as a proxy in front of the WFM', async () => {
    const s = await sandbox();
    await admin(s.url, 'faults', { unreadableWithoutWriteRate: 1 });
    const r = await call(`${s.baseUrl}/schedules/shifts/${S}`, {
      method: 'PATCH',
      body: { version: 1, end: '2026-11-25T06:30:00Z' },
      headers: { 'idempotency-key': 'never-forwarded' },
    });
    expect([r.status, r.body]).toEqual([200, { data: { accepted: true } }]);
    expect(s.sandbox.store.get(S)!.version).toBe(1);
    expect(s.sandbox.ledger.since(1).entries).toEqual([]);
    // Reads are never garbled: they are how a client finds out what happened.
    expect((await call(`${s.baseUrl}/schedules/shifts/${S}`)).status).toBe(200);
  });

  it('adds latency to requests, during which a write holds its idempotency key', async () => {
    const s = await sandbox();
    await admin(s.url, 'faults', { latencyMs: 400 });
    const req = {
      method: 'PATCH',
      body: { version: 1, end: '2026-11-25T06:30:00Z' },
      headers: { 'idempotency-key': 'slow' },
    };
    const slow = call(`${s.baseUrl}/schedules/shifts/${S}`, req);
    await new Promise((r) => setTimeout(r, 100));
    const meanwhile = await call<{ errorCode: string }>(`${s.baseUrl}/schedules/shifts/${S}`, req);
    expect(meanwhile.body.errorCode).toBe('IDEMPOTENCY_KEY_IN_FLIGHT');
    expect((await slow).status).toBe(200);
  });

  it('runs another integration that changes random shifts and bumps their versions', async () => {
    const s = await sandbox();
    await admin(s.url, 'faults', { mutatorPerSecond: 200 });
    await new Promise((r) => setTimeout(r, 300));
    await admin(s.url, 'faults', { mutatorPerSecond: 0 });
    const entries = s.sandbox.ledger.since(1).entries.filter((e) => e.kind === 'mutator');
    expect(entries.length).toBeGreaterThan(10);
    expect(
      entries.every((e) => e.after.version === e.before!.version + 1 && e.clientId === 'other-integration'),
    ).toBe(true);
  });

  it('runs another integration whose change lands just before a client writes a shift, so that write, on the version read, meets VERSION_CONFLICT', async () => {
    const s = await sandbox();
    await admin(s.url, 'faults', { mutatorBeforeWriteShare: 1 });
    const read = await call<Shift>(`${s.baseUrl}/schedules/shifts/${S}`);
    expect(read.body.version).toBe(1);
    const stale = await call<{ errorCode: string; details: { currentVersion: number } }>(
      `${s.baseUrl}/schedules/shifts/${S}`,
      { method: 'PATCH', body: { version: 1, end: '2026-11-25T06:30:00Z' } },
    );
    expect([stale.status, stale.body.errorCode, stale.body.details.currentVersion]).toEqual([
      409,
      'VERSION_CONFLICT',
      2,
    ]);
    // once per shift: the write re-based on the version the 409 carries goes through
    const ok = await call(`${s.baseUrl}/schedules/shifts/${S}`, {
      method: 'PATCH',
      body: { version: 2, end: '2026-11-25T06:30:00Z' },
    });
    expect(ok.status).toBe(200);
    expect(s.sandbox.ledger.since(1).entries.map((e) => [e.kind, e.clientId, e.version])).toEqual([
      ['mutator', 'other-integration', 2],
      ['patch', 'static-1', 3],
    ]);
  });

  it('races the writes to the same shifts whatever order they come in, chosen by the seed', async () => {
    const racedWriting = async (order: (ids: string[]) => string[]) => {
      const s = await sandbox({ faults: { mutatorBeforeWriteShare: 0.5, seed: 7 } });
      const shifts = s.sandbox.store.ids().slice(0, 20);
      for (const id of order(shifts)) {
        const version = s.sandbox.store.get(id)!.version;
        await call(`${s.baseUrl}/schedules/shifts/${id}`, { method: 'PATCH', body: { version } });
      }
      return s.sandbox.ledger
        .since(1)
        .entries.filter((e) => e.kind === 'mutator')
        .map((e) => e.shiftId)
        .sort();
    };
    const forwards = await racedWriting((ids) => ids);
    const backwards = await racedWriting((ids) => [...ids].reverse());
    expect(forwards.length).toBeGreaterThan(2);
    expect(forwards.length).toBeLessThan(18);
    expect(backwards).toEqual(forwards);
  });
});

describe('WFM sandbox: admin API', () => {
  it('exports and loads the whole state, and reads the ledger from a sequence number', async () => {
    const s = await sandbox();
    await call(`${s.baseUrl}/schedules/shifts/${S}`, {
      method: 'PATCH',
      body: { version: 1, end: '2026-11-25T06:30:00Z' },
    });
    const state = await admin(s.url, 'state');
    const other = await sandbox();
    expect((await admin(other.url, 'state', state.body)).status).toBe(200);
    expect(other.sandbox.store.get(S)!.version).toBe(2);
    const ledger = await call<{ entries: Array<{ seq: number }>; nextSeq: number }>(
      `${other.url}/_sandbox/ledger?since=1`,
      { token: null },
    );
    expect(ledger.body.entries).toHaveLength(1);
    expect(ledger.body.nextSeq).toBe(2);
    const none = await call<{ entries: unknown[]; nextSeq: number }>(`${other.url}/_sandbox/ledger?since=2`, {
      token: null,
    });
    expect(none.body).toEqual({ entries: [], nextSeq: 2 });
  });

  it('reads, sets, advances and freezes the virtual clock', async () => {
    const s = await sandbox();
    const c = await admin(s.url, 'clock');
    expect(c.body).toMatchObject({ now: '2026-11-25T02:00:00Z', frozen: true });
    const moved = await admin(s.url, 'clock', { advanceMs: 3_600_000 });
    expect(moved.body).toMatchObject({ now: '2026-11-25T03:00:00Z' });
    const bad = await admin(s.url, 'clock', { now: '2026-11-25 03:00' });
    expect(bad.status).toBe(400);
  });

  it('rejects bad admin input with 400 and keeps running', async () => {
    const s = await sandbox();
    expect((await admin(s.url, 'faults', { errorRate: 2 })).status).toBe(400);
    expect((await admin(s.url, 'behaviour', { nonsense: true })).status).toBe(400);
    expect((await admin(s.url, 'state', { shifts: 'no' })).status).toBe(400);
    const zone = await admin(s.url, 'publish-window', {
      dayOfWeek: 7,
      time: '02:00',
      zone: 'Mars/Olympus',
      durationMinutes: 30,
    });
    expect(zone.status).toBe(400);
    const broken = smallSchedule();
    broken.shifts[0]!.activities[1]!.start = '2026-11-22T22:15:00Z'; // overlaps the block before it
    const refused = await admin(s.url, 'state', broken);
    expect(refused.status).toBe(400);
    expect((refused.body as { message: string }).message).toMatch(/shift 'shift-10400-20261122'.*tile/);
    expect((await admin(s.url, 'health')).status).toBe(200);
  });

  it('keeps its state in a data file across restarts', async () => {
    const dataFile = join(mkdtempSync(join(tmpdir(), 'wfm-')), 'state.json');
    const first = await startSandbox({
      port: 0,
      snapshot: smallSchedule(),
      clockStart: WEDNESDAY,
      clockFrozen: true,
      dataFile,
    });
    const req = {
      method: 'PATCH',
      body: { version: 1, end: '2026-11-25T06:30:00Z' },
      headers: { 'idempotency-key': 'kept' },
    };
    await call(`${first.baseUrl}/schedules/shifts/${S}`, req);
    await first.close();
    const second = await startSandbox({ port: 0, clockStart: WEDNESDAY, clockFrozen: true, dataFile });
    try {
      expect(second.sandbox.store.get(S)!.version).toBe(2);
      expect(second.sandbox.ledger.size).toBe(1);
      const replay = await call(`${second.baseUrl}/schedules/shifts/${S}`, req);
      expect([replay.status, replay.headers.get('idempotency-replayed'), replay.headers.get('etag')]).toEqual(
        [200, 'true', '"2"'],
      );
    } finally {
      await second.close();
    }
  });
});
