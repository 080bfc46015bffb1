import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Shift } from '../../src/wfm/contract.js';
import { WfmError } from '../../src/wfm/errors.js';
import { WfmHttpClient } from '../../src/wfm/http-client.js';

/** A real HTTP server that answers whatever the current fuzz case says. */
let answer: { status: number; body: string; contentType: string } = {
  status: 200,
  body: '{}',
  contentType: 'application/json',
};
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(answer.status, { 'content-type': answer.contentType });
    res.end(answer.body);
  });
});
let client: WfmHttpClient;

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  client = new WfmHttpClient({
    baseUrl: `http://127.0.0.1:${port}/wfm/api/v2`,
    token: 'fuzz-token-123',
    timeouts: { connectMs: 1_000, headersMs: 2_000, bodyMs: 2_000 },
  });
});
afterAll(async () => {
  await client.close?.();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const validShift = {
  id: 's1',
  agentId: 'a1',
  teamId: 't1',
  start: '2026-11-25T00:00:00Z',
  end: '2026-11-25T08:00:00Z',
  activities: [{ type: 'on-queue', start: '2026-11-25T00:00:00Z', end: '2026-11-25T08:00:00Z' }],
  version: 3,
  week: '2026-11-22',
  updatedAt: '2026-11-20T00:00:00Z',
  updatedBy: 'x',
};

const bodies = fc.oneof(
  fc.json(),
  fc.string(),
  fc.constant(''),
  fc.constant('{"errorCode":'),
  fc.jsonValue().map((v) => JSON.stringify({ errorCode: v, message: v, details: v })),
  fc
    .record({ field: fc.constantFrom(...Object.keys(validShift)), value: fc.jsonValue() })
    .map(({ field, value }) => JSON.stringify({ ...validShift, [field]: value })),
  fc.constant(JSON.stringify(validShift)),
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('latin1')),
);
const statuses = fc.constantFrom(200, 201, 204, 301, 400, 401, 404, 409, 418, 422, 429, 500, 502, 503);

describe('WFM client against malformed or unexpected answers', () => {
  it('either returns a contract-valid shift or throws a WfmError with a code — never anything else, never a secret', async () => {
    await fc.assert(
      fc.asyncProperty(
        statuses,
        bodies,
        fc.constantFrom('application/json', 'text/html'),
        async (status, body, contentType) => {
          answer = { status, body, contentType };
          for (const op of [
            () => client.getShift('s1'),
            () =>
              client.patchShift('s1', { version: 3, end: '2026-11-25T08:15:00Z' }, { idempotencyKey: 'k-1' }),
          ]) {
            try {
              const shift = await op();
              expect(Shift.safeParse(shift).success).toBe(true);
            } catch (err) {
              expect(err).toBeInstanceOf(WfmError);
              expect((err as WfmError).code).toMatch(/^TR_ERR_WFM_/);
              expect(String((err as Error).message)).not.toContain('fuzz-token-123');
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
