import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { SecretScrubber } from '../observability/secrets.js';
import { arrayify, deepMerge, envOverrides } from './env-overrides.js';
import { Config } from './schema.js';
import type { SecretRef } from './secret-ref.js';

export class ConfigError extends Error {
  readonly code = 'TR_ERR_CONFIG';
  readonly retriable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

export interface LoadedConfig {
  config: Config;
  /** secret values resolved from the environment or files; never logged */
  secrets: {
    wfmToken?: string;
    wfmClientSecret?: string;
    saslPassword?: string;
    adminToken?: string;
    /** bridge.genesysCloud.clientSecret, resolved only when `need.bridge` */
    bridgeClientSecret?: string;
  };
  scrubber: SecretScrubber;
  /** the env overrides that took effect, for a start-up log line */
  overrides: string[];
  source: string;
}

const ARRAY_PATHS = [
  ['kafka', 'brokers'],
  ['rules', 'files'],
];

/**
 * Loads the YAML (or JSON) config file, applies TRUNK_REACTOR_… overrides, validates
 * with zod and resolves secrets. Errors name the file, the line and the fix.
 */
export function loadConfig(
  file: string | undefined,
  env: Record<string, string | undefined> = process.env,
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
  /** which secrets to resolve: a producer needs no WFM credentials; only the bridge needs its own */
  need: { wfm?: boolean; admin?: boolean; bridge?: boolean } = {},
): LoadedConfig {
  let raw: unknown = {};
  let lineOf: (path: PropertyKey[]) => number | undefined = () => undefined;
  if (file) {
    let text: string;
    try {
      text = readFile(file);
    } catch (err) {
      throw new ConfigError(
        `${file}: cannot read the config file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
        { cause: err },
      );
    }
    const counter = new LineCounter();
    const doc = parseDocument(text, { lineCounter: counter, prettyErrors: true });
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      throw new ConfigError(
        `${file}:${e.linePos?.[0]?.line ?? '?'}: not valid YAML: ${e.message.split('\n')[0]}`,
      );
    }
    raw = doc.toJS() ?? {};
    lineOf = (path) => {
      const node = doc.getIn(path as Array<string | number>, true) as
        | { range?: [number, number] }
        | undefined;
      const parent =
        path.length > 1
          ? (doc.getIn(path.slice(0, -1) as Array<string | number>, true) as
              | { range?: [number, number] }
              | undefined)
          : undefined;
      const at = node?.range?.[0] ?? parent?.range?.[0];
      return at === undefined ? undefined : counter.linePos(at).line;
    };
  }
  const { overrides, applied } = envOverrides(env);
  arrayify(overrides, ARRAY_PATHS);
  const parsed = Config.safeParse(deepMerge(raw, overrides));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
      const path = issue.path.map(String).join('.') || '(root)';
      const line = lineOf(keys.length > 0 ? [...issue.path, keys[0]!] : issue.path);
      const where = file ? `${file}${line ? `:${line}` : ''}` : 'config';
      return `${where}: ${path}: ${issue.message}`;
    });
    throw new ConfigError(lines.join('\n'));
  }
  const config = parsed.data;
  const gc = config.wfm.kind === 'genesys-cloud' ? config.wfm.genesysCloud : undefined;
  const hosts = gc
    ? ([
        ['wfm.genesysCloud.apiBaseUrl', gc.apiBaseUrl],
        ['wfm.genesysCloud.loginBaseUrl', gc.loginBaseUrl],
      ] as const)
    : ([['wfm.baseUrl', config.wfm.baseUrl]] as const);
  for (const [name, url] of hosts) {
    if (need.wfm !== false && url && !config.wfm.allowInsecureHttp && url.startsWith('http://')) {
      throw new ConfigError(
        `${file ?? 'config'}: ${name} must be https:// (got ${new URL(url).origin}); set wfm.allowInsecureHttp: true only for a local sandbox`,
      );
    }
  }
  const bridge = need.bridge === true ? config.bridge.genesysCloud : undefined;
  if (need.bridge === true && !bridge)
    throw new ConfigError(
      `${file ?? 'config'}: bridge.genesysCloud: add the section (region, clientId, clientSecret, trunks); docs/bridge-genesys-cloud.md shows one`,
    );
  if (bridge && !bridge.allowInsecureHttp) {
    for (const [name, url] of [
      ['bridge.genesysCloud.apiBaseUrl', bridge.apiBaseUrl],
      ['bridge.genesysCloud.loginBaseUrl', bridge.loginBaseUrl],
    ] as const) {
      if (url?.startsWith('http://'))
        throw new ConfigError(
          `${file ?? 'config'}: ${name} must be https:// (got ${new URL(url).origin}); set bridge.genesysCloud.allowInsecureHttp: true only for a local emulation`,
        );
    }
  }
  const scrubber = new SecretScrubber();
  const read = (ref: SecretRef | undefined, what: string): string | undefined => {
    if (!ref) return undefined;
    if ('env' in ref) {
      const v = env[ref.env];
      if (!v) throw new ConfigError(`${what}: environment variable ${ref.env} is not set`);
      return v;
    }
    try {
      return readFile(ref.file).replace(/\r?\n$/, '');
    } catch (err) {
      throw new ConfigError(
        `${what}: cannot read secret file ${ref.file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  };
  const auth = config.wfm.auth;
  const secrets: LoadedConfig['secrets'] = {};
  if (need.wfm !== false && gc) {
    secrets.wfmClientSecret = read(gc.clientSecret, 'wfm.genesysCloud.clientSecret');
  } else if (need.wfm !== false) {
    if (auth.kind === 'token') secrets.wfmToken = read(auth.token, 'wfm.auth.token');
    else secrets.wfmClientSecret = read(auth.clientSecret, 'wfm.auth.clientSecret');
  }
  if (bridge) secrets.bridgeClientSecret = read(bridge.clientSecret, 'bridge.genesysCloud.clientSecret');
  if (config.kafka.sasl) secrets.saslPassword = read(config.kafka.sasl.password, 'kafka.sasl.password');
  if (config.admin.token && need.admin !== false)
    secrets.adminToken = read(config.admin.token, 'admin.token');
  scrubber.add(
    secrets.wfmToken,
    secrets.wfmClientSecret,
    secrets.saslPassword,
    secrets.adminToken,
    secrets.bridgeClientSecret,
  );
  return { config, secrets, scrubber, overrides: applied, source: file ?? '(embedded defaults)' };
}
