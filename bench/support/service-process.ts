import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../src/config/schema.js';

/**
 * `trunk-reactor run` as a benchmark's child process, started the way a supervisor starts
 * it: `node --import tsx src/cli/main.ts run --config FILE --role R`, with the config written
 * to a temporary directory. It counts as ready once its admin server listens and each of
 * `stages` has been assigned partitions (read from its JSON log lines). Readiness is not
 * polled through /readyz: that probe reads the WFM, and the benchmark counts every request
 * the process sends to it.
 */
export interface ServiceProcess {
  /** the admin server, e.g. http://127.0.0.1:40123 */
  adminUrl: string;
  exited: Promise<number | null>;
  /** the last 20 kB of its stdout and stderr */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code */
  stop(graceMs?: number): Promise<number | null>;
}

export interface ServiceProcessOptions {
  config: Config;
  role: 'all' | 'rules' | 'writer';
  /** added to the environment, e.g. the variable a `{ env: … }` secret names */
  env: Record<string, string>;
  /** the stages that must report assigned partitions: 'writer', 'planning', 'rules', 'repartition' */
  stages: readonly string[];
  instanceId: string;
  readyTimeoutMs?: number;
  /** echo its output to stderr */
  echo?: boolean;
}

const root = fileURLToPath(new URL('../../', import.meta.url));

export async function startServiceProcess(o: ServiceProcessOptions): Promise<ServiceProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'tr-bench-'));
  const file = join(dir, 'config.yaml');
  // JSON is YAML; the file is the parsed config, every default spelled out
  writeFileSync(file, JSON.stringify(o.config, null, 2));
  // TRUNK_REACTOR_… overrides in the bench's own environment must not change what is measured
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('TRUNK_REACTOR_')),
  ) as NodeJS.ProcessEnv;
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'run',
      '--config',
      file,
      '--role',
      o.role,
      '--instance-id',
      o.instanceId,
    ],
    { cwd: root, env: { ...env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  const keep = (d: unknown) => {
    out = (out + String(d)).slice(-20_000);
    if (o.echo) process.stderr.write(`[${o.instanceId}] ${String(d)}`);
  };
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then(() => rmSync(dir, { recursive: true, force: true }));

  const waiting = new Set(o.stages);
  let adminUrl: string | undefined;
  const lines = createInterface({ input: child.stdout! });
  const ready = new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      keep(`${line}\n`);
      if (adminUrl !== undefined && waiting.size === 0) return;
      let entry: { msg?: string; url?: string; stage?: string; partitions?: unknown[] };
      try {
        entry = JSON.parse(line);
      } catch {
        return;
      }
      if (entry.msg?.startsWith('admin server') && entry.url) adminUrl = entry.url;
      if (entry.msg === 'partitions assigned' && entry.stage && (entry.partitions?.length ?? 0) > 0)
        waiting.delete(entry.stage);
      if (adminUrl !== undefined && waiting.size === 0) resolve(adminUrl);
    });
    void exited.then((code) =>
      reject(new Error(`trunk-reactor run exited with code ${code} before it was ready:\n${out}`)),
    );
  });
  const timeoutMs = o.readyTimeoutMs ?? 120_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `trunk-reactor run was not ready within ${timeoutMs} ms (waiting for ${[...waiting].join(', ') || 'the admin server'}):\n${out}`,
          ),
        ),
      timeoutMs,
    );
  });
  const stop = async (graceMs = 30_000): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const code = await exited;
    clearTimeout(killer);
    return code;
  };
  try {
    const url = await Promise.race([ready, timeout]);
    return { adminUrl: url, exited, output: () => out, stop };
  } catch (err) {
    await stop(5_000);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
