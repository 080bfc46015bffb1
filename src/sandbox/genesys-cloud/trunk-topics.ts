import type { TopicAuthority } from './notification-hub.js';
import { TRUNK_PERMISSIONS } from './trunk-options.js';
import type { TrunkScenario } from './trunk-scenario.js';

const METRICS_TOPIC = /^v2\.telephony\.providers\.edges\.trunks\.([^.]+)\.metrics$/;

/**
 * `v2.telephony.providers.edges.trunks.{id}.metrics` for each live trunk instance: permitted
 * with the trunk routes' permission, rejected naming it otherwise. A topic of a trunk id the org
 * does not have is not this authority's, so the hub refuses it as no such topic.
 */
export function trunkTopics(trunks: TrunkScenario): TopicAuthority {
  return (topic, principal) => {
    const m = METRICS_TOPIC.exec(topic);
    if (!m || !trunks.org.instance(m[1]!)) return undefined;
    if (TRUNK_PERMISSIONS.some((p) => principal.permissions.has(p))) return { state: 'Permitted' };
    return {
      state: 'Rejected',
      rejectionReason: `OAuth client '${principal.clientId}' lacks the permission this topic needs`,
      missingPermissions: [...TRUNK_PERMISSIONS],
    };
  };
}
