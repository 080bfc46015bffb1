import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../support/cli.js';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = 'test-artifacts/plan-report.png';
const golden = 'test/golden/apac';

interface Planned {
  key: string;
  ruleId: string;
  createdAt: string;
}
const expected = JSON.parse(readFileSync(`${golden}/expected.json`, 'utf8')) as {
  adjustments: Planned[];
  skipped: Array<{ ruleId: string; eventTime: string }>;
};

/** The utilization thresholds of test/golden/apac/rules.yaml, as written there. */
const THRESHOLDS: Record<string, number[]> = {
  'sg-byoc-surge-on-queue': [0.8],
  'sg-byoc-surge-extend': [0.85],
  'sg-byoc-surge-pull-forward': [0.9],
  'sg-byoc-surge-swap': [0.88],
  'sg-byoc-lull-vto': [0.25],
  'sg-byoc-night-pull-forward': [0.85],
};

// The plot's geometry (utilization-chart.ts): utilization 0..1 over y 200..10.
const yOf = (v: number) => 10 + 190 - v * 190;

/** The rows of a table in `plan`'s text output, split on its column gaps (two spaces or more). */
function textRows(out: string, heading: string): string[][] {
  const lines = out.split('\n');
  const head = lines.findIndex((l) => l.startsWith(heading));
  const rows: string[][] = [];
  for (const line of lines.slice(head + 2)) {
    if (line === '' || line.startsWith('  !')) break;
    rows.push(line.split(/ {2,}/));
  }
  return rows;
}

let dir: string;
let browser: Browser | undefined;
let page: Page;
let stdout: string;
const requested: string[] = [];
const problems: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} not found: this test drives Debian's chromium through playwright-core. ` +
        '`npm test` installs it where it runs as root (scripts/test-prereqs.sh); otherwise run: sudo apt-get install chromium',
    );
  }
  dir = await mkdtemp(join(tmpdir(), 'plan-report-'));
  const file = join(dir, 'plan.html');
  const r = await cli([
    'plan',
    '--rules',
    `${golden}/rules.yaml`,
    '--events',
    `${golden}/events.ndjson`,
    '--schedule',
    `${golden}/schedule.json`,
    '--report',
    file,
  ]);
  expect(r.code, r.err).toBe(0);
  stdout = r.out;

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  // The browser's own zone is not the business unit's: the page must not read times in it.
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    timezoneId: 'America/New_York',
  });
  const url = pathToFileURL(file).href;
  // Every request the page makes is recorded and, but for the report itself, refused.
  await context.route('**/*', (route) => {
    const u = route.request().url();
    requested.push(u);
    return u === url ? route.continue() : route.abort();
  });
  page = await context.newPage();
  page.on('pageerror', (e) => problems.push(e.message));
  // a Content-Security-Policy refusal (a request the page tried to make) shows up here
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
  });
  await page.goto(url);
  await page.locator('body[data-drawn="true"]').waitFor();
}, 60_000);

afterAll(async () => {
  if (page) {
    await mkdir('test-artifacts', { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true }).catch(() => {});
  }
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('plan --report in a real browser', () => {
  it('marks each planned adjustment once, at the event time that triggered it', async () => {
    const plot = page.locator('svg[data-group="sg-byoc"]');
    const marks = plot.locator('g.adjustment');
    expect(await marks.count()).toBe(expected.adjustments.length);
    const shown = await marks.evaluateAll((gs) =>
      gs.map((g) => ({
        key: g.getAttribute('data-key'),
        ruleId: g.getAttribute('data-rule'),
        at: Number(g.getAttribute('data-at')),
        title: g.querySelector('title')?.textContent ?? '',
      })),
    );
    expect(shown.map((m) => m.key).sort()).toEqual(expected.adjustments.map((a) => a.key).sort());
    for (const a of expected.adjustments) {
      const m = shown.find((x) => x.key === a.key)!;
      expect(m.ruleId).toBe(a.ruleId);
      expect(m.at).toBe(Date.parse(a.createdAt));
      // the hover text gives the reason, in the business unit's zone with UTC beside
      expect(m.title).toContain(`${a.ruleId}: `);
      expect(m.title).toMatch(/^\d\d:\d\d(:\d\d)? (Fri 27|Sun 29) Nov \+08:00 \(\d\d:\d\d(:\d\d)?Z\) · /);
    }
  });

  it("draws each rule's utilization thresholds as lines at their height", async () => {
    const plot = page.locator('svg[data-group="sg-byoc"]');
    for (const [rule, values] of Object.entries(THRESHOLDS)) {
      const lines = plot.locator(`line.threshold[data-rule="${rule}"]`);
      expect(await lines.count(), rule).toBe(values.length);
      const ys = await lines.evaluateAll((ls) => ls.map((l) => Number(l.getAttribute('y1'))));
      expect(
        ys.map((y) => Math.round(y * 10) / 10),
        rule,
      ).toEqual(values.map((v) => Math.round(yOf(v) * 10) / 10));
    }
    expect(await plot.locator('line.threshold').count()).toBe(Object.values(THRESHOLDS).flat().length);
    expect((await plot.locator('path.util').getAttribute('d'))!.split('L').length).toBeGreaterThan(100);
  });

  it('shows a firing band of the rule wherever the plan says it fired', async () => {
    const plot = page.locator('svg[data-group="sg-byoc"]');
    const bands = await plot.locator('rect.period').evaluateAll((rs) =>
      rs.map((r) => ({
        ruleId: r.getAttribute('data-rule'),
        from: Number(r.getAttribute('data-from')),
        to: Number(r.getAttribute('data-to')),
      })),
    );
    const fired = [
      ...expected.adjustments.map((a) => ({ ruleId: a.ruleId, at: Date.parse(a.createdAt) })),
      ...expected.skipped.map((s) => ({ ruleId: s.ruleId, at: Date.parse(s.eventTime) })),
    ];
    for (const f of fired) {
      const band = bands.find((b) => b.ruleId === f.ruleId && b.from <= f.at && f.at <= b.to);
      expect(band, `${f.ruleId} at ${new Date(f.at).toISOString()}`).toBeDefined();
    }
    // every rule that acted has its band; each band also shades the plot
    expect(new Set(bands.map((b) => b.ruleId))).toEqual(new Set(fired.map((f) => f.ruleId)));
    expect(await plot.locator('rect.firing').count()).toBe(bands.length);
  });

  it("lists the same rows as plan's text output", async () => {
    const rowsOf = (id: string) =>
      page
        .locator(`#${id} tbody tr`)
        .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    const heads = (id: string) => page.locator(`#${id} thead th`).allTextContents();
    expect(await heads('adjustments')).toEqual(['when', 'rule', 'action', 'shift / agent', 'change', 'why']);
    expect(await rowsOf('adjustments')).toEqual(textRows(stdout, 'when   '));
    expect((await rowsOf('adjustments')).length).toBe(expected.adjustments.length);
    expect(await heads('skipped')).toEqual(['when', 'rule', 'guardrail', 'detail']);
    expect(await rowsOf('skipped')).toEqual(textRows(stdout.slice(stdout.indexOf('Passed over:')), 'when '));
    expect((await rowsOf('skipped')).length).toBe(expected.skipped.length);
    expect(await page.locator('#counts').textContent()).toBe(stdout.split('\n')[0]);
  });

  it("shows times in the business unit's zone, whatever the browser's", async () => {
    const plot = page.locator('svg[data-group="sg-byoc"]');
    const labels = await plot.locator('text').allTextContents();
    // the Friday surge starts at 09:00 Singapore time (01:00Z, 20:00 Thursday in New York)
    expect(labels).toContain('09:00');
    expect(labels).toContain('Fri 27 Nov');
    expect(labels).toContain('Sun 29 Nov');
    expect(labels).not.toContain('Thu 26 Nov');
    const first = await page.locator('#adjustments tbody tr td').first().textContent();
    expect(first).toMatch(/^09:18 Fri 27 Nov \+08:00 \(01:18Z\)$/);
    expect(await page.locator('#span').textContent()).toMatch(
      /^events from 09:00 Fri 27 Nov \+08:00 \(01:00Z\) – .+ Sun 29 Nov \+08:00 \(.+Z\)$/,
    );
    expect(await page.locator('#zone').textContent()).toMatch(/^times in Asia\/Singapore, UTC beside/);
  });

  it('makes no network request and no error', async () => {
    expect(requested).toEqual([pathToFileURL(join(dir, 'plan.html')).href]);
    expect(problems).toEqual([]);
  });
});
