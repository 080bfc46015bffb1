import type { KillSwitchState } from '../../planner/kill-switch.js';
import type { StatusSnapshot } from '../status-snapshot.js';

/**
 * What GET /status.json answers: the model's snapshot plus the kill switch. The server
 * (status-page.ts) writes it and the page's script (browser.ts) reads it, both typed by this.
 */
export type StatusDocument = StatusSnapshot & {
  title: string;
  killSwitch: KillSwitchState | null;
  tokenRequired: boolean;
};
