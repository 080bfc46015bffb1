import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import pino from 'pino';
import { Agent, type Dispatcher, MockAgent } from 'undici';
import { describe, expect, it } from 'vitest';
import { WfmHttpClient } from '../../src/wfm/http-client.js';
import { MemoryOutcomeSink } from '../../src/writer/outcome.js';
import { Writer } from '../../src/writer/writer.js';
import { update } from '../writer/support/adjustments.js';
import { client, failure, SNAPSHOT, sandbox } from './support.js';

const SECRET = 'sandbox-secret';
const shift = SNAPSHOT.shifts[5]!;

/** A pino logger at debug level writing into a string, as production would write to stdout. */
function capture(): { logger: pino.Logger; text: () => string } {
  let out = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      out += String(chunk);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), text: () => out };
}

/** An agent that remembers every Authorization header it sent: the tokens that must never show up anywhere. */
function recordingAgent(): { dispatcher: Dispatcher; tokens: Set<string> } {
  const tokens = new Set<string>();
  const dispatcher = new Agent().compose((dispatch) => (opts, handler) => {
    const auth = (opts.headers as Record<string, string> | undefined)?.authorization;
    if (auth) tokens.add(auth.replace(/^Bearer /, ''));
    return dispatch(opts, handler);
  });
  return { dispatcher, tokens };
}

describe('secrets never reach logs or error messages', () => {
  it('a debug-level run with OAuth, a token refresh, failures and a writer logs no token and no secret', async () => {
    const { sb, admin } = await sandbox({ tokenTtlSeconds: 1 });
    const { logger, text } = capture();
    const { dispatcher, tokens } = recordingAgent();
    const { client: c } = client({
      baseUrl: sb.baseUrl,
      oauth: { clientId: 'trunk-reactor', clientSecret: SECRET },
      logger,
      dispatcher,
    });
    await c.getShift(shift.id);
    await new Promise((r) => setTimeout(r, 1_100));
    await c.getShift(shift.id); // 401, refresh, retry
    await admin.faults({ errorRate: 0.5, seed: 2 });
    const sink = new MemoryOutcomeSink();
    const writer = new Writer({ adapter: c, logger, sink });
    await writer.submit(
      update(shift, {
        kind: 'set-end',
        end: new Date(Date.parse(shift.end) + 900_000).toISOString().replace('.000Z', 'Z'),
      }),
    );
    await admin.faults({ errorRate: 1 });
    const err = await failure(c.getShift(shift.id));

    expect(tokens.size).toBeGreaterThanOrEqual(2);
    const everything = [
      text(),
      err.message,
      String(err.stack),
      inspect(err, { depth: 8 }),
      inspect(c, { depth: 8, showHidden: true }),
      JSON.stringify(c),
      JSON.stringify(sink.records),
    ].join('\n');
    expect(text()).toContain('wfm request');
    expect(everything).not.toContain(SECRET);
    for (const t of tokens) expect(everything).not.toContain(t);
    expect(everything).not.toMatch(/Bearer\s+\S/);
  });

  it('a static token stays out of inspect, JSON and errors', async () => {
    const { sb } = await sandbox();
    const token = 'static-token-0123456789';
    const { client: c } = client({ baseUrl: sb.baseUrl, token });
    const err = await failure(c.getShift(shift.id));
    const everything = [
      err.message,
      String(err.stack),
      inspect(err, { depth: 8 }),
      inspect(c, { depth: 8, showHidden: true }),
      JSON.stringify(c),
    ].join('\n');
    expect(everything).not.toContain(token);
  });

  it('scrubs a secret a server echoes back in its error message', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    const token = 'tkn-echoed-abcdef123456';
    agent
      .get('https://wfm.example.test')
      .intercept({ path: `/wfm/api/v2/schedules/shifts/${shift.id}`, method: 'GET' })
      .reply(400, { errorCode: 'VALIDATION_ERROR', message: `bad header: Bearer ${token}` });
    const c = new WfmHttpClient({ baseUrl: 'https://wfm.example.test/wfm/api/v2', token, dispatcher: agent });
    const err = await failure(c.getShift(shift.id));
    expect(err.message).toContain('[redacted]');
    expect(err.message).not.toContain(token);
  });
});
