import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * scripts/npm-audit.sh, the audit step of .ci/run, against a registry that answers the
 * bulk advisory endpoint with what each case needs (npm also reads the packuments of
 * the packages named): the real registry here answers the audit with 405, so only a
 * local one can show the "answers" side of the policy (docs/security.md).
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const CVSS = { critical: 9.5, high: 8, moderate: 5 } as const;

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

async function registry(advisory?: { pkg: string; severity: keyof typeof CVSS }): Promise<string> {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      let body: unknown = {};
      if (req.method === 'GET') {
        const name = decodeURIComponent((req.url ?? '/').slice(1));
        const { version } = JSON.parse(readFileSync(`${root}node_modules/${name}/package.json`, 'utf8'));
        body = { name, 'dist-tags': { latest: version }, versions: { [version]: { name, version } } };
      } else if (advisory) {
        body = {
          [advisory.pkg]: [
            {
              id: 1,
              url: 'https://example.invalid/GHSA-test',
              title: 'test advisory',
              severity: advisory.severity,
              vulnerable_versions: '<999.0.0',
              cwe: [],
              cvss: { score: CVSS[advisory.severity], vectorString: null },
            },
          ],
        };
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}/`;
}

function audit(registryUrl: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['scripts/npm-audit.sh'],
      // a cache of its own: npm keeps advisories it fetched, and each case's registry says something else
      {
        cwd: root,
        env: {
          ...process.env,
          npm_config_registry: registryUrl,
          npm_config_cache: mkdtempSync(join(tmpdir(), 'npm-cache-')),
        },
      },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, out: stdout + stderr }),
    );
  });
}

describe('npm audit step (scripts/npm-audit.sh)', () => {
  it('fails on a high advisory in a production dependency, naming it', async () => {
    const r = await audit(await registry({ pkg: 'luxon', severity: 'high' }));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/high: luxon/);
  }, 60_000);

  it('passes on a moderate advisory in a production dependency', async () => {
    const r = await audit(await registry({ pkg: 'luxon', severity: 'moderate' }));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/0 critical, 0 high, 1 moderate/);
  }, 60_000);

  it('passes on a critical advisory in a dev dependency: dev-only advisories are reviewed, not blocking', async () => {
    const dev = await audit(await registry({ pkg: 'vitest', severity: 'critical' }));
    expect(dev.code).toBe(0);
    expect(dev.out).toMatch(/0 critical, 0 high/);
  }, 60_000);

  it('warns and passes when the audit endpoint cannot be reached', async () => {
    const r = await audit('http://127.0.0.1:9/');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/WARNING: npm audit could not reach the audit endpoint/);
  }, 60_000);
});
