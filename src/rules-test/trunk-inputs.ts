import type { TrunkSeries } from './schema.js';
import { expandSeries } from './series.js';
import type { TestFileIssue } from './test-file-error.js';
import type { DataPath, YamlSource } from './yaml-source.js';

/** One trunk's samples: whole calls per interval (NaN where the trunk sent nothing) and its capacity. */
export interface TrunkInput {
  trunkId: string;
  trunkGroup: string;
  region: string;
  site: string;
  labels: Readonly<Record<string, string>> | undefined;
  calls: Float64Array;
  /** one value (every sample) or one per sample */
  capacity: Float64Array;
}

/** Trunks named by one entry: `sg-byoc-{01..15}` is fifteen at most 10,000 at once. */
const MAX_RANGE = 10_000;

/**
 * The trunks of one test, sorted by id, with every series expanded and checked: values in
 * range, whole calls, a capacity wherever there is a sample, and one length for all (a trunk
 * that sent nothing for a while says so with `_`, so every series spans the same time).
 */
export function trunkInputs(
  entries: readonly TrunkSeries[],
  at: DataPath,
  src: YamlSource,
  test: string,
): { trunks: TrunkInput[]; samples: number } | { issues: TestFileIssue[] } {
  const issues: TestFileIssue[] = [];
  const trunks: TrunkInput[] = [];
  const lengths: Array<{ path: DataPath; field: string; ids: string[]; length: number }> = [];
  const seen = new Map<string, number>();
  entries.forEach((e, i) => {
    const here = [...at, i];
    const ids = expandIds(e.trunk);
    if (typeof ids === 'string') {
      issues.push(
        src.issue([...here, 'trunk'], test, ids, 'write the range low..high, like sg-byoc-{01..15}'),
      );
      return;
    }
    for (const id of ids) {
      const first = seen.get(id);
      if (first !== undefined) {
        issues.push(
          src.issue(
            [...here, 'trunk'],
            test,
            `trunk '${id}' already has a series (trunks[${first}])`,
            'give every trunk one series',
          ),
        );
        return;
      }
      seen.set(id, i);
    }
    const field = e.utilization !== undefined ? 'utilization' : 'activeCalls';
    const raw = expandSeries((e.utilization ?? e.activeCalls)!);
    const cap = expandSeries(e.capacity);
    if (!raw.ok) issues.push(src.issue([...here, field], test, `${field}: ${raw.message}`, raw.fix));
    if (!cap.ok) issues.push(src.issue([...here, 'capacity'], test, `capacity: ${cap.message}`, cap.fix));
    if (!raw.ok || !cap.ok) return;
    const problem = checkValues(field, raw.values, cap.values);
    if (problem) {
      issues.push(src.issue([...here, problem.field], test, problem.message, problem.fix));
      return;
    }
    lengths.push({ path: [...here, field], field, ids, length: raw.values.length });
    if (cap.values.length > 1)
      lengths.push({ path: [...here, 'capacity'], field: 'capacity', ids, length: cap.values.length });
    const calls =
      field === 'activeCalls'
        ? raw.values
        : raw.values.map((u, k) => (Number.isNaN(u) ? u : wholeCalls(u * capAt(cap.values, k))));
    for (const id of ids) {
      trunks.push({
        trunkId: id,
        trunkGroup: e.trunkGroup,
        region: e.region,
        site: e.site,
        labels: e.labels,
        calls,
        capacity: cap.values,
      });
    }
  });
  if (issues.length > 0) return { issues };

  // the length most trunks have is taken as meant (the first written on a tie); the others are named
  const counts = new Map<number, number>();
  for (const l of lengths) counts.set(l.length, (counts.get(l.length) ?? 0) + l.ids.length);
  const common = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
  for (const l of lengths) {
    if (l.length === common) continue;
    const diff = common - l.length;
    const who = l.ids.length === 1 ? `trunk ${l.ids[0]}` : `trunks ${l.ids[0]}…${l.ids.at(-1)}`;
    issues.push(
      src.issue(
        l.path,
        test,
        `series of different lengths: the ${l.field} of ${who} has ${l.length} samples, the other series ${common}`,
        diff > 0
          ? `add ${diff} sample${diff === 1 ? '' : 's'} (\`_\` where the trunk sent nothing): every series covers the same time`
          : `remove ${-diff} sample${diff === -1 ? '' : 's'}, or lengthen the other series`,
      ),
    );
  }
  if (issues.length > 0) return { issues };
  trunks.sort((a, b) => (a.trunkId < b.trunkId ? -1 : a.trunkId > b.trunkId ? 1 : 0));
  return { trunks, samples: common };
}

function capAt(cap: Float64Array, k: number): number {
  return cap.length === 1 ? cap[0]! : cap[k]!;
}

/** round(u × capacity), halves up; rounded to 1e-6 first so 0.85 × 30 (25.499999…) is 26, as on paper. */
function wholeCalls(x: number): number {
  return Math.round(Math.round(x * 1e6) / 1e6);
}

function checkValues(
  field: 'utilization' | 'activeCalls',
  values: Float64Array,
  cap: Float64Array,
): { field: string; message: string; fix: string } | null {
  for (let k = 0; k < cap.length; k++) {
    const c = cap[k]!;
    if (Number.isNaN(c)) {
      if (cap.length > 1 && k < values.length && !Number.isNaN(values[k]!)) {
        return {
          field: 'capacity',
          message: `capacity is missing at sample ${k + 1}, where ${field} has a value`,
          fix: 'a sample needs its capacity: write the capacity there, or `_` in both series',
        };
      }
      if (cap.length === 1)
        return {
          field: 'capacity',
          message: 'capacity cannot be missing',
          fix: 'write a whole number like 30',
        };
      continue;
    }
    if (!Number.isInteger(c) || c < 1 || c > 1_000_000) {
      return {
        field: 'capacity',
        message: `capacity must be a whole number from 1 to 1,000,000, got ${c} at sample ${k + 1}`,
        fix: 'capacity is the concurrent calls the trunk carries, like 30',
      };
    }
  }
  for (let k = 0; k < values.length; k++) {
    const v = values[k]!;
    if (Number.isNaN(v)) continue;
    if (field === 'utilization' && (v < 0 || v > 1)) {
      return {
        field,
        message: `utilization must be in [0, 1], got ${v} at sample ${k + 1}`,
        fix: 'write 85% as 0.85; check that a ramp does not run past 1',
      };
    }
    if (field === 'activeCalls') {
      const c = k < cap.length || cap.length === 1 ? capAt(cap, k) : Number.NaN;
      if (!Number.isInteger(v) || v < 0) {
        return {
          field,
          message: `activeCalls must be whole numbers of 0 or more, got ${v} at sample ${k + 1}`,
          fix: 'use whole steps: 20+2x5, not 20+0.5x5',
        };
      }
      if (v > c) {
        return {
          field,
          message: `activeCalls ${v} at sample ${k + 1} is more than the capacity ${c}`,
          fix: 'a trunk carries at most its capacity: lower the calls or raise the capacity',
        };
      }
    }
  }
  return null;
}

/** `sg-byoc-{01..15}` → sg-byoc-01 … sg-byoc-15 (zero-padded like the range's ends); a plain id is itself. */
export function expandIds(pattern: string): string[] | string {
  const m = /^([^{}]*)\{(\d+)\.\.(\d+)\}([^{}]*)$/.exec(pattern);
  if (!m) return [pattern];
  const [, head, a, b, tail] = m as unknown as [string, string, string, string, string];
  const lo = Number(a);
  const hi = Number(b);
  if (lo > hi) return `the range {${a}..${b}} runs backwards`;
  if (hi - lo + 1 > MAX_RANGE) return `the range {${a}..${b}} names more than ${MAX_RANGE} trunks`;
  const width = a.startsWith('0') || b.startsWith('0') ? Math.max(a.length, b.length) : 0;
  const out: string[] = [];
  for (let n = lo; n <= hi; n++) out.push(`${head}${String(n).padStart(width, '0')}${tail}`);
  return out;
}
