import type { GenesysLedgerEntry } from '../../src/sandbox/genesys-cloud/bu-schedules.js';
import type { OperationRecord } from '../../src/sandbox/genesys-cloud/genesys-wfm.js';
import type { GenesysState } from '../../src/sandbox/genesys-cloud/model.js';
import type { GenesysBehaviour, GenesysFaults } from '../../src/sandbox/genesys-cloud/options.js';
import { pagedLedger, sandboxAdmin } from '../../test/support/sandbox-admin-http.js';

/** What /_sandbox/stats of the Genesys sandbox counts (the part the fault runs read). */
export interface GenesysStats {
  requests: number;
  byStatus: Record<string, number>;
  byCode: Record<string, number>;
  resets: number;
  notificationsLost: number;
  notifications: { published: number; delivered: number; undelivered: number };
}

/** The Genesys sandbox's /_sandbox admin API over real HTTP, as a fault run drives and reads it. */
export class GenesysAdmin {
  constructor(readonly url: string) {}

  #call<T>(method: 'GET' | 'PUT' | 'POST', path: string, body?: unknown): Promise<T> {
    return sandboxAdmin<T>(this.url, method, path, body);
  }

  /** Every ledger entry from `since` on, following pages. */
  ledger(since = 1): Promise<GenesysLedgerEntry[]> {
    return pagedLedger<GenesysLedgerEntry>(this.url, since);
  }

  /** The org as it stands: schedules with every agent's shifts, activity codes. */
  async state(): Promise<GenesysState> {
    return (await this.#call<{ state: GenesysState }>('GET', '/state')).state;
  }

  faults(update: Partial<GenesysFaults>): Promise<unknown> {
    return this.#call('PUT', '/faults', update);
  }

  behaviour(update: Partial<GenesysBehaviour>): Promise<unknown> {
    return this.#call('PUT', '/behaviour', update);
  }

  stats(): Promise<GenesysStats> {
    return this.#call('GET', '/stats');
  }

  async operations(): Promise<OperationRecord[]> {
    return (await this.#call<{ entities: OperationRecord[] }>('GET', '/operations')).entities;
  }

  /** Drops every channel socket without a close frame; how many were open. */
  async dropSockets(): Promise<number> {
    return (await this.#call<{ dropped: number }>('POST', '/notifications/drop', {})).dropped;
  }
}
