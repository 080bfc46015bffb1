import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * `trunk-reactor bridge genesys-cloud --config FILE` as its own process, started the way a
 * supervisor starts it (`node --import tsx src/cli/main.ts …`), optionally pinned to one core
 * with `taskset`. Ready once its admin server listens (read from its JSON log lines).
 */
export interface BridgeProcess {
  pid: number;
  adminUrl: string;
  exited: Promise<number | null>;
  /** its JSON log lines so far, parsed */
  logs: Array<{ level: number; msg: string; [k: string]: unknown }>;
  /** the last 20 kB of its output */
  output(): string;
  stop(graceMs?: number): Promise<number | null>;
}

export interface BridgeProcessOptions {
  /** the config, written to a temporary file as JSON (which is YAML) */
  config: unknown;
  env: Record<string, string>;
  /** run it with `taskset -c CPU` when taskset is there */
  cpu?: number;
  /** extra arguments after --config FILE */
  args?: string[];
  /** the compiled CLI (…/cli/main.js) to run with plain node; default src/cli/main.ts through tsx */
  entry?: string;
  echo?: boolean;
  readyTimeoutMs?: number;
}

const root = fileURLToPath(new URL('../../../', import.meta.url));

export function hasTaskset(): boolean {
  return spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;
}

export async function startBridgeProcess(o: BridgeProcessOptions): Promise<BridgeProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'tr-bridge-'));
  const file = join(dir, 'bridge.yaml');
  writeFileSync(file, JSON.stringify(o.config, null, 2));
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('TRUNK_REACTOR_')),
  ) as NodeJS.ProcessEnv;
  const program = o.entry !== undefined ? [o.entry] : ['--import', 'tsx', 'src/cli/main.ts'];
  const node = [process.execPath, ...program, 'bridge', 'genesys-cloud', '--config', file, ...(o.args ?? [])];
  const argv = o.cpu !== undefined && hasTaskset() ? ['taskset', '-c', String(o.cpu), ...node] : node;
  const child: ChildProcess = spawn(argv[0]!, argv.slice(1), {
    cwd: root,
    env: { ...env, ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const logs: BridgeProcess['logs'] = [];
  const keep = (d: unknown) => {
    out = (out + String(d)).slice(-20_000);
    if (o.echo) process.stderr.write(String(d));
  };
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then(() => rmSync(dir, { recursive: true, force: true }));
  let adminUrl: string | undefined;
  const ready = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      keep(`${line}\n`);
      try {
        const entry = JSON.parse(line) as BridgeProcess['logs'][number] & { url?: string };
        logs.push(entry);
        if (adminUrl === undefined && entry.msg?.startsWith('admin server') && entry.url) {
          adminUrl = entry.url;
          resolve(entry.url);
        }
      } catch {
        // not a log line
      }
    });
    void exited.then((code) =>
      reject(new Error(`the bridge exited with code ${code} before it was ready:\n${out}`)),
    );
  });
  const stop = async (graceMs = 20_000): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const code = await exited;
    clearTimeout(killer);
    return code;
  };
  let timer: NodeJS.Timeout | undefined;
  const timeoutMs = o.readyTimeoutMs ?? 60_000;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the bridge's admin server did not start within ${timeoutMs} ms:\n${out}`)),
      timeoutMs,
    );
  });
  try {
    const url = await Promise.race([ready, timeout]);
    return { pid: child.pid!, adminUrl: url, exited, logs, output: () => out, stop };
  } catch (err) {
    await stop(5_000);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** The process's CPU time so far (user + system), seconds, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number, readFile: (p: string) => string): number {
  const stat = readFile(`/proc/${pid}/stat`);
  // the command name may hold spaces: the fields that matter come after its closing parenthesis
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / clockTicks();
}

/** The process's resident set, MiB, from /proc/<pid>/status. */
export function rssMiB(pid: number, readFile: (p: string) => string): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFile(`/proc/${pid}/status`));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

let ticks: number | undefined;
function clockTicks(): number {
  if (ticks === undefined) {
    const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    ticks = Number(r.stdout.trim()) || 100;
  }
  return ticks;
}
