import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { type DemoSummary, runDemo } from '../../src/demo/demo-run.js';

const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'status-page-test-token';
const SCREENSHOT = 'test-artifacts/status-page.png';

let browser: Browser | undefined;
afterAll(async () => {
  await browser?.close();
});

const count = async (page: Page, key: string) =>
  Number(await page.locator(`[data-count="${key}"] .n`).textContent());

describe('status page in a real browser', () => {
  it('draws the demo’s utilization against the thresholds, lists its adjustments, and its kill switch stops writes', async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `${CHROMIUM} not found: this test drives Debian's chromium through playwright-core. ` +
          '`npm test` installs it where it runs as root (scripts/test-prereqs.sh); otherwise run: sudo apt-get install chromium',
      );
    }
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let adminUp!: (url: string) => void;
    const admin = new Promise<string>((resolve) => {
      adminUp = resolve;
    });
    // Paced so the page sees the story unfold; the replay holds its page open until released.
    const demo: Promise<DemoSummary> = runDemo({
      rulesFile: 'config/rules.apac.yaml',
      scheduleFile: 'config/demo/apac-schedule.json',
      eventsFile: 'config/demo/apac-events.ndjson',
      otherIntegrationShare: 0,
      progress: () => {},
      paceMs: 100,
      admin: { host: '127.0.0.1', port: 0, token: TOKEN },
      onAdmin: (a) => adminUp(a.url),
      whileServing: () => held,
    });
    try {
      const url = await Promise.race([
        admin,
        demo.then(() => {
          throw new Error('the demo finished without starting its admin server');
        }),
      ]);
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
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(e.message));
      page.on('console', (m) => {
        // the refused PUT is expected; anything else (a CSP violation, a script error) is not
        if (m.type() === 'error' && !m.text().includes('status of 401')) problems.push(m.text());
      });
      await page.goto(`${url}/`);

      // the plot: sg-byoc's utilization line and the rules' threshold lines
      const plot = page.locator('svg[data-group="sg-byoc"]');
      await plot.locator('path.util').waitFor();
      await expect
        .poll(async () => (await plot.locator('path.util').getAttribute('d'))?.length ?? 0)
        .toBeGreaterThan(20);
      expect(await plot.locator('line.threshold').count()).toBeGreaterThanOrEqual(5);
      expect(await plot.locator('line.threshold[data-rule="sg-byoc-surge-extend"]').count()).toBe(1);

      // the first adjustments of the Friday surge, with their reasons
      const applied = page.locator('#latest tbody tr[data-status="applied"]');
      await applied.first().waitFor({ timeout: 20_000 });
      const row = (await applied.first().textContent()) ?? '';
      expect(row).toMatch(/sg-byoc-surge-/);
      expect(row).toMatch(/utilization 0\.\d+ vs 0\.\d+/);
      // triggered, and the reason's times, in Singapore time with the offset and UTC beside it
      expect(row).toMatch(/^\d\d:\d\d(:\d\d)? Fri 27 Nov \+08:00 \(\d\d:\d\d(:\d\d)?Z\)/);
      expect(row).not.toMatch(/\d{4}-\d\d-\d\dT/);
      expect(await page.locator('#feed').textContent()).toMatch(
        /event time .+ \+08:00 \(.+Z\) · times in Asia\/Singapore/,
      );
      expect(await page.locator('#ks').getAttribute('data-engaged')).toBe('false');

      // without the admin token the switch refuses, and says so
      await page.click('#ks-button');
      await expect.poll(() => page.locator('#ks-message').textContent()).toMatch(/401 Unauthorized/);
      expect(await page.locator('#ks').getAttribute('data-engaged')).toBe('false');

      // with it, the switch engages
      await page.fill('#token', TOKEN);
      await page.click('#ks-button');
      await page.locator('#ks[data-engaged="true"]').waitFor();
      expect(await page.locator('#ks-state').textContent()).toMatch(/ENGAGED/);
      // one poll later every write planned before the click has landed
      await page.waitForTimeout(2_500);
      const appliedAtEngage = await count(page, 'applied');
      expect(appliedAtEngage).toBeGreaterThan(0);

      // the replay goes on (the lull, the Sunday night surge) but nothing more is written
      await page.locator('#feed[data-finished="true"]').waitFor({ timeout: 60_000 });
      expect(await count(page, 'applied')).toBe(appliedAtEngage);
      const skipped = await count(page, 'kill-switch-skips');
      expect(skipped).toBeGreaterThan(0);
      expect(await plot.locator('rect.period').count()).toBeGreaterThanOrEqual(5);
      expect((await plot.locator('path.util').getAttribute('d'))!.split('L').length).toBeGreaterThan(100);
      expect(problems).toEqual([]);

      await mkdir('test-artifacts', { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });

      release();
      const summary = await demo;
      expect(summary.skippedByKillSwitch).toBe(skipped);
      expect(summary.outcomes.applied ?? 0).toBe(appliedAtEngage);
      expect(summary.adjustments).toBe(appliedAtEngage);
    } finally {
      release();
      await demo.catch(() => {});
    }
  }, 120_000);
});
