import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../../src/config/schema.js';
import { TEST_ENV } from './harness.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Writes the config where a child process can read it (JSON is YAML). */
export function configFile(config: Config): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tr-config-')), 'config.yaml');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

export interface Instance {
  child: ChildProcess;
  exited: Promise<number | null>;
  output(): string;
}

/** `trunk-reactor run --config F` as its own process: the thing a supervisor runs and `kill -9` hits. */
export function startInstance(file: string, id: string, role = 'all'): Instance {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'run', '--config', file, '--instance-id', id, '--role', role],
    { cwd: root, env: { ...process.env, ...TEST_ENV }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout?.on('data', (d) => {
    out = (out + String(d)).slice(-20_000);
  });
  child.stderr?.on('data', (d) => {
    out = (out + String(d)).slice(-20_000);
  });
  if (process.env.TR_DEBUG_CHILD) {
    child.stdout?.on('data', (d) => process.stderr.write(`[${id}] ${d}`));
    child.stderr?.on('data', (d) => process.stderr.write(`[${id}] ${d}`));
    child.once('exit', (code, signal) => process.stderr.write(`[${id}] exited ${code} ${signal}\n`));
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => out };
}

export async function kill9(i: Instance): Promise<void> {
  i.child.kill('SIGKILL');
  await i.exited;
}
