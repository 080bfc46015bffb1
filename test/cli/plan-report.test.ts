import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PlanPicture } from '../../src/report/plan-picture.js';
import { startSandbox } from '../../src/sandbox/server.js';
import { ScheduleSnapshot } from '../../src/wfm/snapshot.js';
import { cli } from '../support/cli.js';

const golden = 'test/golden/apac';
const args = ['--rules', `${golden}/rules.yaml`, '--events', `${golden}/events.ndjson`];

/** The data the report's plots are drawn from, read back out of the page. */
function pictureOf(html: string): PlanPicture {
  const m = /<script type="application\/json" id="plan-data">(.*?)<\/script>/s.exec(html);
  if (!m) throw new Error('no plan-data block in the report');
  return JSON.parse(m[1]!) as PlanPicture;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'plan-report-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('trunk-reactor plan --report', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    delete process.env.TRUNK_REACTOR_WFM_TOKEN;
  });

  it('writes one self-contained page, says where on stderr, and leaves stdout the plan', async () => {
    const file = join(dir, 'schedule.html');
    const plain = await cli(['plan', ...args, '--schedule', `${golden}/schedule.json`]);
    const r = await cli(['plan', ...args, '--schedule', `${golden}/schedule.json`, '--report', file]);
    expect(r.code).toBe(0);
    expect(r.err).toBe(`trunk-reactor plan: report written to ${file}\n`);
    expect(r.out).toBe(plain.out);
    const html = await readFile(file, 'utf8');
    // nothing to fetch: no external script, style, font or image, and a policy that allows no request
    expect(html).not.toMatch(
      /<script[^>]*\ssrc=|<link[^>]*stylesheet|@import|url\(|https?:\/\/(?!www\.w3\.org)/,
    );
    expect(html).toMatch(
      /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; script-src &#39;sha256-[^&]+&#39;; style-src &#39;sha256-/,
    );
    const picture = pictureOf(html);
    expect(picture.zone).toBe('Asia/Singapore');
    expect(picture.groups.map((g) => g.name)).toEqual(['sg-byoc']);
    expect(picture.groups[0]!.marks).toHaveLength(13);
  });

  it('keeps --json on stdout as one JSON object', async () => {
    const file = join(dir, 'json.html');
    const r = await cli([
      'plan',
      ...args,
      '--schedule',
      `${golden}/schedule.json`,
      '--json',
      '--report',
      file,
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual(JSON.parse(readFileSync(`${golden}/expected.json`, 'utf8')));
    expect(r.err).toMatch(/report written to .+json\.html/);
  });

  it('draws the same picture from a schedule read over HTTP with --wfm', async () => {
    const fromFile = join(dir, 'from-file.html');
    const fromWfm = join(dir, 'from-wfm.html');
    expect(
      (await cli(['plan', ...args, '--schedule', `${golden}/schedule.json`, '--report', fromFile])).code,
    ).toBe(0);
    const snapshot = ScheduleSnapshot.parse(JSON.parse(readFileSync(`${golden}/schedule.json`, 'utf8')));
    const sandbox = await startSandbox({
      port: 0,
      snapshot,
      clockStart: Date.parse('2026-11-26T00:00:00Z'),
      clockFrozen: true,
    });
    try {
      process.env.TRUNK_REACTOR_WFM_TOKEN = 'sandbox-token';
      const r = await cli([
        'plan',
        ...args,
        '--wfm',
        sandbox.baseUrl,
        '--week-start',
        'sun',
        '--report',
        fromWfm,
      ]);
      expect(r.code, r.err).toBe(0);
      expect(r.err).toBe(`trunk-reactor plan: report written to ${fromWfm}\n`);
    } finally {
      await sandbox.close();
    }
    const a = await readFile(fromFile, 'utf8');
    const b = await readFile(fromWfm, 'utf8');
    expect(pictureOf(b)).toEqual(pictureOf(a));
    const tableOf = (html: string) =>
      html.slice(html.indexOf('<table id="adjustments">'), html.indexOf('</table>'));
    expect(tableOf(b)).toBe(tableOf(a));
    expect(b).toContain(`<dt>schedule read from</dt><dd>${sandbox.baseUrl}</dd>`);
  });

  it('refuses a report in a directory that does not exist before replaying anything (exit 2)', async () => {
    const file = join(dir, 'no-such-dir', 'plan.html');
    const r = await cli(['plan', ...args, '--schedule', `${golden}/schedule.json`, '--report', file]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--report: the directory .+no-such-dir does not exist/);
    expect(r.out).toBe('');
    expect(existsSync(file)).toBe(false);
  });
});
