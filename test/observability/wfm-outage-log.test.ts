import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { assemble } from '../../src/app/assemble.js';
import { WfmOutageLog, type WriterBacklog } from '../../src/observability/wfm-outage-log.js';
import type { WfmRequestEvent, WfmRoute } from '../../src/wfm/http-client.js';
import { testConfig } from '../pipeline/support/harness.js';
import { ManualClock } from '../writer/support/manual-clock.js';

interface Line {
  level: 'warn' | 'error';
  obj: { wfm: Record<string, unknown> };
  msg: string;
}

function outageLog(backlog?: () => WriterBacklog) {
  let now = Date.parse('2026-11-28T18:00:00Z');
  const lines: Line[] = [];
  const logger = {
    warn: (obj: Line['obj'], msg: string) => lines.push({ level: 'warn', obj, msg }),
    error: (obj: Line['obj'], msg: string) => lines.push({ level: 'error', obj, msg }),
  };
  const log = new WfmOutageLog({
    logger: logger as never,
    clock: { now: () => now },
    ...(backlog ? { backlog } : {}),
  });
  return {
    log,
    lines,
    /** moves the clock on by `ms`, then one request finishes */
    at(ms: number, e: Partial<WfmRequestEvent> & { route: WfmRoute }) {
      now += ms;
      log.request({ method: 'GET', status: undefined, durationMs: 1, replayed: false, ...e });
    },
    later(ms: number) {
      now += ms;
      log.tick();
    },
  };
}

const timeout = { code: 'TR_ERR_WFM_TIMEOUT' } as const;
const refused = { code: 'TR_ERR_WFM_CONNECTION' } as const;

describe('WFM outage log', () => {
  it('a failure or two that a retry cures, a 4xx or an abandoned request: nothing logged', () => {
    const t = outageLog();
    t.at(0, { route: 'patch-shift', ...timeout });
    t.at(4_000, { route: 'patch-shift', status: 503, code: 'SERVICE_UNAVAILABLE' });
    t.at(4_000, { route: 'patch-shift', status: 200 });
    t.at(4_000, { route: 'list-shifts', ...refused });
    t.at(4_000, { route: 'list-shifts', status: 409, code: 'VERSION_CONFLICT' });
    t.at(4_000, { route: 'list-shifts', ...refused });
    t.at(20_000, { route: 'list-shifts', code: 'ABORTED' });
    t.at(20_000, { route: 'list-shifts', status: 404, code: 'NOT_FOUND' });
    t.later(120_000);
    expect(t.lines).toEqual([]);
    expect(t.log.unreachable).toBe(false);
  });

  it('reads failing for 10 s with no answer: one line at warn, none for the failures after it', () => {
    const t = outageLog();
    t.at(0, { route: 'list-shifts', ...refused });
    t.at(5_000, { route: 'list-shifts', ...refused });
    expect(t.lines).toEqual([]);
    t.at(5_000, { route: 'list-agents', ...timeout });
    for (let i = 0; i < 20; i++) t.at(500, { route: 'list-shifts', ...refused });
    expect(t.lines).toHaveLength(1);
    expect(t.lines[0]?.level).toBe('warn');
    expect(t.lines[0]?.msg).toBe(
      'WFM unreachable: 3 requests failed over 10s, none answered (last: list-agents no answer TR_ERR_WFM_TIMEOUT); schedule reads fail: planning waits, /readyz answers 503',
    );
    expect(t.lines[0]?.obj.wfm).toMatchObject({
      since: '2026-11-28T18:00:00.000Z',
      failed: 3,
      writesFailed: 0,
    });
    expect(t.log.unreachable).toBe(true);
  });

  it('writes failing: the line that tells it starts is at error', () => {
    const t = outageLog();
    t.at(0, { route: 'patch-shift', ...timeout });
    t.at(5_000, { route: 'swap-shifts', status: 502 });
    t.at(5_000, { route: 'list-shifts', status: 500, code: 'INTERNAL' });
    expect(t.lines.map((l) => l.level)).toEqual(['error']);
    expect(t.lines[0]?.msg).toMatch(
      /^WFM unreachable: 3 requests failed \(2 writes\) over 10s, none answered \(last: list-shifts 500 INTERNAL\); adjustments are not being applied/,
    );
  });

  it('an outage of reads that then fails a write says so at error, once', () => {
    const t = outageLog();
    for (let i = 0; i < 3; i++) t.at(5_000, { route: 'list-shifts', ...refused });
    t.at(1_000, { route: 'patch-shift', ...refused });
    t.at(1_000, { route: 'patch-shift', ...refused });
    expect(t.lines.map((l) => l.level)).toEqual(['warn', 'error']);
    expect(t.lines[1]?.msg).toBe(
      'WFM unreachable for 11s, and writes fail now: adjustments are not being applied',
    );
  });

  it('a summary once a minute while it lasts: how long, how many failed, adjustments waiting and dead-lettered since it began', () => {
    let backlog = { waiting: 3, deadLettered: 10 };
    const t = outageLog(() => backlog);
    for (let i = 0; i < 3; i++) t.at(5_000, { route: 'patch-shift', ...timeout });
    t.later(30_000);
    expect(t.lines).toHaveLength(1);
    for (let i = 0; i < 7; i++) t.at(1_000, { route: 'patch-shift', ...timeout });
    backlog = { waiting: 12, deadLettered: 14 };
    t.later(23_000);
    expect(t.lines).toHaveLength(2);
    expect(t.lines[1]?.level).toBe('error');
    expect(t.lines[1]?.msg).toBe(
      'WFM still unreachable after 1m10s: 10 requests failed (10 writes), none answered; 12 adjustments waiting, 4 dead-lettered since it began',
    );
    expect(t.lines[1]?.obj.wfm).toMatchObject({ failed: 10, writesFailed: 10, waiting: 12, deadLettered: 4 });
    t.later(30_000);
    expect(t.lines).toHaveLength(2);
    t.later(30_000);
    expect(t.lines).toHaveLength(3);
    expect(t.lines[2]?.msg).toMatch(/^WFM still unreachable after 2m10s: /);
  });

  it('a summary of an outage of reads alone is at warn', () => {
    const t = outageLog();
    for (let i = 0; i < 3; i++) t.at(5_000, { route: 'list-shifts', ...timeout });
    t.later(60_000);
    expect(t.lines.map((l) => l.level)).toEqual(['warn', 'warn']);
    expect(t.lines[1]?.msg).toBe('WFM still unreachable after 1m10s: 3 requests failed, none answered');
  });

  it('once when it answers again, with what it cost; then nothing until the next outage', () => {
    let backlog = { waiting: 5, deadLettered: 0 };
    const t = outageLog(() => backlog);
    for (let i = 0; i < 4; i++) t.at(5_000, { route: 'patch-shift', ...refused });
    backlog = { waiting: 0, deadLettered: 2 };
    t.at(25_000, { route: 'patch-shift', status: 200 });
    t.at(1_000, { route: 'list-shifts', status: 200 });
    t.later(120_000);
    expect(t.lines.map((l) => l.level)).toEqual(['error', 'warn']);
    expect(t.lines[1]?.msg).toBe(
      'WFM answering again after 40s unreachable: 4 requests failed (4 writes) while it lasted; 0 adjustments waiting, 2 dead-lettered since it began',
    );
    expect(t.log.unreachable).toBe(false);
    for (let i = 0; i < 3; i++) t.at(5_000, { route: 'list-shifts', ...refused });
    expect(t.lines.map((l) => l.level)).toEqual(['error', 'warn', 'warn']);
  });
});

describe('WFM outage log in an instance', () => {
  it("an instance's WFM client reports to it: requests to a WFM that refuses connections are logged as an outage, once", async () => {
    const closed = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s)) });
    const clock = new ManualClock(Date.parse('2026-11-28T18:00:00Z'));
    const config = testConfig({ brokers: ['127.0.0.1:1'], sandboxUrl: `http://127.0.0.1:${closed}` });
    const app = await assemble({
      loaded: { config, secrets: { wfmToken: 'token' } },
      role: 'writer',
      logger,
      clock,
      onFatal: () => {},
    });
    try {
      const day = { from: '2026-11-28T00:00:00Z', to: '2026-11-29T00:00:00Z' };
      for (let i = 0; i < 5; i++) {
        await expect(app.wfm.listShifts(day)).rejects.toMatchObject({ code: 'TR_ERR_WFM_CONNECTION' });
        await clock.advance(5_000);
      }
    } finally {
      await app.close();
    }
    const said = lines.filter((l) => String(l.msg).startsWith('WFM '));
    expect(said.map((l) => [l.level, l.msg])).toEqual([
      [
        40,
        'WFM unreachable: 3 requests failed over 10s, none answered (last: list-shifts no answer TR_ERR_WFM_CONNECTION); schedule reads fail: planning waits, /readyz answers 503',
      ],
    ]);
  });
});
