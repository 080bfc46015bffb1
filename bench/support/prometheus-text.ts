/**
 * Reads a Prometheus text exposition (the admin server's /metrics) into sample values:
 * `metricValue(text, name)` sums every series of a metric, whatever its labels.
 */
export function metricValue(text: string, name: string): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    if (space < 0) continue;
    const series = line.slice(0, space);
    if (series !== name && !series.startsWith(`${name}{`)) continue;
    const v = Number(line.slice(space + 1));
    if (Number.isFinite(v)) sum = (sum ?? 0) + v;
  }
  return sum;
}

export async function scrape(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
  return res.text();
}
