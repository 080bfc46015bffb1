import { spawn } from 'node:child_process';
import { fetch } from 'undici';
import { describe, expect, it } from 'vitest';

function start(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'wfm-sandbox', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c) => {
    out += String(c);
  });
  child.stderr.on('data', (c) => {
    err += String(c);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const line = (pattern: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setInterval(() => {
        const m = pattern.exec(out);
        if (m) {
          clearInterval(timer);
          resolve(m);
        }
      }, 20);
      void exited.then((code) => {
        clearInterval(timer);
        reject(new Error(`exited ${code}: ${err}`));
      });
    });
  return { child, exited, line, output: () => out, errors: () => err };
}

describe('trunk-reactor wfm-sandbox --flavor genesys-cloud', () => {
  it('serves the emulated API and login hosts on the ports it prints, and stops on SIGTERM', async () => {
    const p = start([
      '--flavor',
      'genesys-cloud',
      '--port',
      '0',
      '--clock',
      '2026-11-25T10:00:00+08:00',
      '--frozen',
    ]);
    try {
      const [, api] = await p.line(/API host: +(http:\/\/\S+)/);
      const [, login] = await p.line(/login host: +(http:\/\/\S+)/);
      expect(p.output()).toMatch(
        /business unit bu-apac \(Asia\/Singapore, weeks from Sunday\), 3 schedules; virtual clock 2026-11-25T02:00:00.000Z/,
      );
      const t = await fetch(`${login}/oauth/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from('trunk-reactor:sandbox-secret').toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      });
      const { access_token } = (await t.json()) as { access_token: string };
      const bu = await fetch(`${api}/api/v2/workforcemanagement/businessunits/bu-apac?expand=settings`, {
        headers: { authorization: `Bearer ${access_token}` },
      });
      expect(bu.status).toBe(200);
      expect(p.output()).not.toContain('sandbox-secret');
    } finally {
      p.child.kill('SIGTERM');
    }
    expect(await p.exited).toBe(0);
    expect(p.output()).toContain('Genesys Cloud WFM sandbox stopped');
  }, 30_000);

  it('refuses a contract-only switch and an unknown flavour as usage errors', async () => {
    const contractOnly = start(['--flavor', 'genesys-cloud', '--port', '0', '--opaque-conflicts']);
    expect(await contractOnly.exited).toBe(2);
    expect(contractOnly.errors()).toMatch(/--opaque-conflicts is for the contract flavour/);
    const unknown = start(['--flavor', 'nice']);
    expect(await unknown.exited).toBe(2);
    expect(unknown.errors()).toMatch(/--flavor must be contract or genesys-cloud, got 'nice'/);
  }, 30_000);
});
