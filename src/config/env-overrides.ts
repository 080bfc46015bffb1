/**
 * TRUNK_REACTOR_<SECTION>__<KEY>=value overrides one config value:
 *   TRUNK_REACTOR_KAFKA__BROKERS=a:9092,b:9092      → kafka.brokers = ['a:9092', 'b:9092']
 *   TRUNK_REACTOR_WFM__REQUESTS_PER_MINUTE=120      → wfm.requestsPerMinute = 120
 *   TRUNK_REACTOR_LOG__LEVEL=debug                  → log.level = 'debug'
 * `__` separates path segments; UPPER_SNAKE becomes camelCase. Values are JSON when they
 * parse as JSON (numbers, booleans, arrays, objects), else strings; a comma list fills an
 * array. Secret variables (TRUNK_REACTOR_WFM_TOKEN etc.) are not overrides: they are read
 * through SecretRef.
 */
const PREFIX = 'TRUNK_REACTOR_';

function camel(segment: string): string {
  return segment.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw.includes(',') ? raw.split(',').map((s) => s.trim()) : raw;
  }
}

export function envOverrides(env: Record<string, string | undefined>): {
  overrides: Record<string, unknown>;
  applied: string[];
} {
  const overrides: Record<string, unknown> = {};
  const applied: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(PREFIX) || value === undefined || !name.includes('__')) continue;
    const path = name.slice(PREFIX.length).split('__').map(camel);
    let cursor = overrides;
    for (const seg of path.slice(0, -1)) {
      if (typeof cursor[seg] !== 'object' || cursor[seg] === null) cursor[seg] = {};
      cursor = cursor[seg] as Record<string, unknown>;
    }
    cursor[path.at(-1)!] = parseValue(value);
    applied.push(`${name} → ${path.join('.')}`);
  }
  return { overrides, applied };
}

/** Deep merge where `over` wins; arrays are replaced, not merged. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (typeof base !== 'object' || base === null || Array.isArray(base)) return over;
  if (typeof over !== 'object' || over === null || Array.isArray(over)) return over;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) out[k] = k in out ? deepMerge(out[k], v) : v;
  return out;
}

/** Makes a single string where an array is expected into a one-element array (TRUNK_REACTOR_KAFKA__BROKERS=a:9092). */
export function arrayify(overrides: Record<string, unknown>, arrayPaths: string[][]): void {
  for (const path of arrayPaths) {
    let cursor: unknown = overrides;
    for (const seg of path.slice(0, -1)) cursor = (cursor as Record<string, unknown> | undefined)?.[seg];
    const holder = cursor as Record<string, unknown> | undefined;
    const key = path.at(-1)!;
    if (holder && typeof holder[key] === 'string') holder[key] = [holder[key]];
  }
}
