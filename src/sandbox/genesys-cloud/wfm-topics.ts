import type { GenesysWfm } from './genesys-wfm.js';
import type { Principal } from './login-host.js';
import type { TopicAuthority, TopicDecision } from './notification-hub.js';
import { ROUTE_PERMISSIONS } from './permissions.js';

function need(principal: Principal, anyOf: readonly string[]): TopicDecision {
  if (anyOf.some((p) => principal.permissions.has(p))) return { state: 'Permitted' };
  return {
    state: 'Rejected',
    rejectionReason: `OAuth client '${principal.clientId}' lacks the permission this topic needs`,
    missingPermissions: [...anyOf],
  };
}

/**
 * The WFM topics the emulated business unit publishes, and who may subscribe: its schedules
 * topic (schedule view permissions), its scheduling-runs topic (those of the runs routes), and the
 * per-user query and search topics, which a client-credentials token is refused unless the
 * unverified `clientCredentialsUserTopics` switch lets it subscribe to its own OAuth client id's.
 */
export function wfmTopics(wfm: GenesysWfm): TopicAuthority {
  return (topic, principal) => {
    if (topic === wfm.schedulesTopic) return need(principal, ROUTE_PERMISSIONS.scheduleRead);
    if (topic === wfm.runsTopic) return need(principal, ROUTE_PERMISSIONS.schedulingRuns);
    const m = /^v2\.workforcemanagement\.users\.([^.]+)\.schedules\.(?:query|search)$/.exec(topic);
    if (!m) return undefined;
    if (!wfm.behaviour.clientCredentialsUserTopics) {
      return {
        state: 'Rejected',
        rejectionReason: 'a client-credentials token has no user, and users.{id} topics belong to a user',
      };
    }
    if (m[1] !== principal.clientId) {
      return {
        state: 'Rejected',
        rejectionReason: `a token may subscribe only to its own id's topic (${principal.clientId})`,
      };
    }
    return need(principal, ROUTE_PERMISSIONS.scheduleRead);
  };
}

/** The topic an asynchronous agent-schedule query of this principal is announced on. */
export function queryResultTopic(wfm: GenesysWfm, principal: Principal): string {
  return wfm.behaviour.queryNotificationTopic === 'business-unit'
    ? wfm.schedulesTopic
    : `v2.workforcemanagement.users.${principal.clientId}.schedules.query`;
}
