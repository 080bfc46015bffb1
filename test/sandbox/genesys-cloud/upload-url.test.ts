import { gzipSync } from 'node:zlib';
import { fetch } from 'undici';
import { describe, expect, it } from 'vitest';
import {
  type AsyncQuery,
  admin,
  api,
  channel,
  type ErrorBody,
  genesys,
  publishedSchedule,
  type Signed,
  token,
  WFM,
} from './fixture.js';

async function setUp() {
  const s = await genesys();
  const t = await token(s);
  const target = await publishedSchedule(s, t, '2026-11-22');
  const base = `${WFM}/businessunits/${target.buId}/weeks/${target.weekDate}/schedules/${target.scheduleId}`;
  const gz = gzipSync(JSON.stringify({ metadata: { version: target.version } }));
  const sign = async (length = gz.length) => {
    const r = await api<Signed>(s, t, 'POST', `${base}/update/uploadurl`, { contentLengthBytes: length });
    expect(r.status).toBe(200);
    return r.body;
  };
  const put = async (signed: Signed, body: Buffer = gz, headers: Record<string, string> = signed.headers) => {
    const r = await fetch(signed.url, { method: 'PUT', headers, body });
    return { status: r.status, text: await r.text() };
  };
  return { s, t, target, base, gz, sign, put };
}

describe('genesys-cloud sandbox: signed upload URLs', () => {
  it('returns an uploadKey, a URL and the headers the PUT must carry', async () => {
    const { sign } = await setUp();
    const signed = await sign();
    expect(signed.uploadKey).toMatch(/^userUploads\/schedule\/update\/bu-apac\//);
    expect(signed.url).toContain(encodeURI(signed.uploadKey));
    expect(signed.headers).toMatchObject({ 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
    expect(Object.keys(signed.headers)).toContain('x-amz-tagging');
  });

  it('refuses a PUT to a URL past its expiry on the virtual clock', async () => {
    const { s, sign, put } = await setUp();
    const signed = await sign();
    await admin(s, 'PUT', '/clock', { advanceMs: 600_000 });
    const r = await put(signed);
    expect(r.status).toBe(403);
    expect(r.text).toMatch(/<Code>AccessDenied<\/Code><Message>Request has expired/);
  });

  it('refuses a second PUT to a used URL and a second update of a processed uploadKey', async () => {
    const { s, t, base, sign, put } = await setUp();
    const signed = await sign();
    expect((await put(signed)).status).toBe(200);
    const again = await put(signed);
    expect(again.status).toBe(403);
    expect(again.text).toMatch(/already used/);
    const first = await api<AsyncQuery>(s, t, 'POST', `${base}/update`, { uploadKey: signed.uploadKey });
    expect(first.body.status).toBe('Processing');
    const second = await api<ErrorBody>(s, t, 'POST', `${base}/update`, { uploadKey: signed.uploadKey });
    expect([second.status, second.body.code]).toEqual([400, 'bad.request']);
    expect(second.body.message).toMatch(/already processed/);
  });

  it('lets a URL be used again when uploadSingleUse is off, as S3 does', async () => {
    const { s, sign, put } = await setUp();
    await admin(s, 'PUT', '/behaviour', { uploadSingleUse: false });
    const signed = await sign();
    expect((await put(signed)).status).toBe(200);
    expect((await put(signed)).status).toBe(200);
  });

  it('refuses a PUT whose headers differ from the returned ones, or whose length differs from contentLengthBytes', async () => {
    const { gz, sign, put } = await setUp();
    const signed = await sign();
    const noEncoding = { ...signed.headers };
    delete noEncoding['Content-Encoding'];
    const missing = await put(signed, gz, noEncoding);
    expect(missing.status).toBe(403);
    expect(missing.text).toMatch(/SignatureDoesNotMatch.*header Content-Encoding must be 'gzip'/s);
    const changed = await put(signed, gz, { ...signed.headers, 'x-amz-tagging': 'other' });
    expect(changed.text).toMatch(/header x-amz-tagging/);
    const longer = await put(signed, Buffer.concat([gz, Buffer.from('extra')]));
    expect(longer.status).toBe(403);
    expect(longer.text).toMatch(new RegExp(`signed for ${gz.length} bytes`));
    expect((await put(signed)).status).toBe(200);
  });

  it('refuses an upload over the 512,000-byte limit at uploadurl, and an API body over it with 413', async () => {
    const { s, t, base, sign } = await setUp();
    await sign(512_000);
    const over = await api<ErrorBody>(s, t, 'POST', `${base}/update/uploadurl`, {
      contentLengthBytes: 512_001,
    });
    expect([over.status, over.body.code]).toEqual([400, 'invalid.value']);
    expect(over.body.message).toMatch(/512001 is over the 512000-byte limit/);
    const padded = JSON.stringify({ contentLengthBytes: 10, pad: 'x'.repeat(512_000) });
    const tooBig = await api<ErrorBody>(s, t, 'POST', `${base}/update/uploadurl`, padded);
    expect([tooBig.status, tooBig.body.code]).toEqual([413, 'request.entity.too.large']);
  });

  it('refuses an update for an uploadKey nothing was PUT to, or issued for another schedule', async () => {
    const { s, t, base, sign } = await setUp();
    const signed = await sign();
    const early = await api<ErrorBody>(s, t, 'POST', `${base}/update`, { uploadKey: signed.uploadKey });
    expect(early.status).toBe(400);
    expect(early.body.message).toMatch(/nothing was uploaded/);
    const draft = s.wfm.store.state.schedules.find((x) => !x.published)!;
    const other = `${WFM}/businessunits/bu-apac/weeks/${draft.weekDate}/schedules/${draft.id}/update`;
    const wrong = await api<ErrorBody>(s, t, 'POST', other, { uploadKey: signed.uploadKey });
    expect(wrong.status).toBe(400);
    expect(wrong.body.message).toMatch(/issued for schedule/);
  });

  it('runs an update whose upload carries only the schedule version and announces it Complete', async () => {
    const { s, t, base, sign, put } = await setUp();
    const socket = await channel(s, t, [s.wfm.schedulesTopic]);
    const signed = await sign();
    await put(signed);
    const r = await api<AsyncQuery>(s, t, 'POST', `${base}/update`, { uploadKey: signed.uploadKey });
    const note = await socket.next((m) => m.eventBody.operationId === r.body.operationId);
    expect(note.eventBody.status).toBe('Complete');
  });
});
