import type { GenesysHttp } from '../../wfm/genesys-cloud/http.js';
import { BridgeRestError } from './errors.js';
import { type RestRetry, withRetry } from './rest-retry.js';
import { type InstanceSample, readMetricsBody, TRUNK_METRICS_PATH } from './trunk-wire.js';

/**
 * Each trunk instance's latest sample, read from `GET …/trunks/metrics?trunkIds=a,b,…` in
 * batches of `batchSize` ids (Genesys does not document its own limit), one batch at a time so
 * the request budget is shared fairly with everything else. REST knows only the latest sample of
 * a trunk: a sample that was both published and superseded while a socket was down is gone.
 *
 * A trunk removed from the org since the last discovery may make its whole batch a 404 (whether
 * Genesys answers so or leaves it out is not documented): the batch is then split in halves
 * until the ids that are gone are found, and they are reported in `gone`.
 */
export interface GapFillResult {
  /** samples read (each batch's go to `onBatch` as it is read, and are not kept) */
  samples: number;
  /** entries that are no sample of a trunk asked for */
  malformed: number;
  /** trunks with no metrics yet */
  empty: number;
  /** trunks the org no longer has */
  gone: string[];
  requests: number;
}

export async function readLatestMetrics(
  http: Pick<GenesysHttp, 'api'>,
  instanceIds: readonly string[],
  batchSize: number,
  retry: RestRetry,
  /** each batch's samples as soon as it is read */
  onBatch?: (samples: InstanceSample[]) => void,
): Promise<GapFillResult> {
  const out: GapFillResult = { samples: 0, malformed: 0, empty: 0, gone: [], requests: 0 };
  const read = async (ids: readonly string[]): Promise<void> => {
    let body: unknown;
    try {
      out.requests++;
      body = await withRetry(`GET ${TRUNK_METRICS_PATH} (${ids.length} trunks)`, retry, () =>
        http.api({
          method: 'GET',
          path: TRUNK_METRICS_PATH,
          query: { trunkIds: ids.join(',') },
          signal: retry.signal,
        }),
      );
    } catch (err) {
      if (!(err instanceof BridgeRestError) || err.status !== 404) throw err;
      if (ids.length === 1) {
        out.gone.push(ids[0]!);
        return;
      }
      const half = Math.ceil(ids.length / 2);
      await read(ids.slice(0, half));
      await read(ids.slice(half));
      return;
    }
    // the SDK's answer is a bare array of TrunkMetrics; an entity listing is read the same way
    const entries = Array.isArray(body) ? body : (body as { entities?: unknown } | null)?.entities;
    if (!Array.isArray(entries)) {
      out.malformed++;
      return;
    }
    const asked = new Set(ids);
    const batch: InstanceSample[] = [];
    for (const e of entries as unknown[]) {
      const s = readMetricsBody(e);
      if (s === 'empty') out.empty++;
      else if (typeof s === 'string' || !asked.has(s.instanceId)) out.malformed++;
      else batch.push(s);
    }
    out.samples += batch.length;
    onBatch?.(batch);
  };
  for (let i = 0; i < instanceIds.length; i += batchSize) await read(instanceIds.slice(i, i + batchSize));
  return out;
}
