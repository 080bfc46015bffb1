import type { LoadedConfig } from '../../../config/load.js';
import type { Config } from '../../../config/schema.js';
import type { Clock } from '../../../time/clock.js';

export type GenesysSection = NonNullable<Config['wfm']['genesysCloud']>;

/** The team ids to check and where they were taken from. */
export interface TeamsToCheck {
  ids: string[];
  from: string;
  /** rules files that could not be read, with why */
  unread: Array<{ file: string; reason: string }>;
}

export interface CheckInput {
  loaded: Pick<LoadedConfig, 'config' | 'secrets'>;
  teams: TeamsToCheck;
  clock?: Clock;
}
