import type { z } from 'zod';

/**
 * Finds the object schema at a data path, to list the keys it allows (for "did you mean"
 * hints). Reads zod 4's public `_zod.def`; unknown wrappers end the walk with null.
 */
type Def = {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
  getter?: () => z.ZodType;
  valueType?: z.ZodType;
};

function def(s: z.ZodType): Def {
  return (s as unknown as { _zod: { def: Def } })._zod.def;
}

function unwrap(s: z.ZodType): z.ZodType {
  for (let i = 0; i < 20; i++) {
    const d = def(s);
    if (
      d.innerType &&
      ['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch'].includes(d.type)
    ) {
      s = d.innerType;
    } else if (d.type === 'pipe' && d.in) s = d.in;
    else if (d.type === 'lazy' && d.getter) s = d.getter();
    else return s;
  }
  return s;
}

export function allowedKeysAt(root: z.ZodType, path: ReadonlyArray<PropertyKey>): string[] | null {
  let s = unwrap(root);
  for (const seg of path) {
    const d = def(s);
    if (d.type === 'object' && d.shape && typeof seg === 'string') {
      const next = d.shape[seg];
      if (!next) return null;
      s = unwrap(next);
    } else if (d.type === 'array' && d.element && typeof seg === 'number') {
      s = unwrap(d.element);
    } else if (d.type === 'record' && d.valueType) {
      s = unwrap(d.valueType);
    } else return null;
  }
  const d = def(s);
  return d.type === 'object' && d.shape ? Object.keys(d.shape) : null;
}

/** The closest allowed key within edit distance 3 (typos, case slips), or undefined. */
export function closestKey(key: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 4;
  for (const a of allowed) {
    const d = distance(key.toLowerCase(), a.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = a;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
