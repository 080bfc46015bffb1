import { spawn } from 'node:child_process';
import { fetch } from 'undici';
import { describe, expect, it } from 'vitest';
import { eventsFile, regularEvents } from './trunk-fixture.js';

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
  return { child, exited, line, errors: () => err };
}

describe('trunk-reactor wfm-sandbox --flavor genesys-cloud: the trunk scenario flags', () => {
  it('holds the trunks of --trunk-events on --trunk-edges edges and plays them at once with --trunk-play', async () => {
    const file = eventsFile(regularEvents(2, 3));
    const p = start([
      '--flavor',
      'genesys-cloud',
      '--port',
      '0',
      '--trunk-events',
      file,
      '--trunk-edges',
      '3',
      '--trunk-play',
      '1000',
    ]);
    try {
      const [, api] = await p.line(/API host: +(http:\/\/\S+)/);
      const [trunks] = await p.line(/trunks: .*\n/);
      expect(trunks).toContain('2 BYOC trunk bases, 3 edges each, 6 events to play');
      expect(trunks).toContain('playing at 1000×');
      let st = { playback: { state: '' }, produced: 0 };
      for (let i = 0; i < 100 && st.playback.state !== 'finished'; i++) {
        st = (await (await fetch(`${api}/_sandbox/trunks/state`)).json()) as typeof st;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(st).toMatchObject({ playback: { state: 'finished' }, produced: 18 });
    } finally {
      p.child.kill('SIGTERM');
    }
    expect(await p.exited).toBe(0);
  }, 30_000);

  it('refuses the trunk flags with the contract flavour, two scenarios at once, and an unreadable events file', async () => {
    const contract = start(['--port', '0', '--trunk-edges', '3']);
    const both = start([
      '--flavor',
      'genesys-cloud',
      '--port',
      '0',
      '--trunk-events',
      'x',
      '--trunk-synthetic',
      '4',
    ]);
    const missing = start([
      '--flavor',
      'genesys-cloud',
      '--port',
      '0',
      '--trunk-events',
      'no/such/events.ndjson',
    ]);
    expect(await Promise.all([contract.exited, both.exited, missing.exited])).toEqual([2, 2, 3]);
    expect(contract.errors()).toMatch(/--trunk-edges is for --flavor genesys-cloud/);
    expect(both.errors()).toMatch(/--trunk-events and --trunk-synthetic are two scenarios/);
    expect(missing.errors()).toMatch(/no\/such\/events.ndjson: cannot read the trunk events/);
  }, 30_000);
});
