import type { GenesysCloudWfm } from '../../../wfm/genesys-cloud/backend.js';
import { GENESYS_CHANNEL_LIMITS } from '../../../wfm/genesys-cloud/notification-channel.js';
import { failure } from './failure.js';
import type { GenesysSection } from './inputs.js';
import type { Section } from './report.js';

const CHANNELS = '/api/v2/notifications/channels';

/** The topics GenesysCloudWfm's result feed subscribes to (backend.ts `#startFeed`), and what each is for. */
function resultTopics(gc: GenesysSection): Array<{ topic: string; needed: boolean; refusedMeans: string }> {
  const bu = gc.businessUnitId;
  return [
    {
      topic: `v2.workforcemanagement.businessunits.${bu}.schedules`,
      needed: true,
      refusedMeans:
        'upload results are not heard: every write is settled by re-reading its agents, after a wait of uploads.resultTimeoutMs',
    },
    {
      topic: `v2.workforcemanagement.businessunits.${bu}.scheduling.runs`,
      needed: true,
      refusedMeans: 'reschedule runs starting and ending are not heard: writes meet their locks unannounced',
    },
    {
      topic: `v2.workforcemanagement.users.${gc.clientId}.schedules.query`,
      needed: false,
      refusedMeans:
        'an agent-schedule query answered Processing is not announced to this client, so the backend halves such a query and asks again instead (more requests for large management units, nothing lost)',
    },
  ];
}

export async function checkNotifications(
  s: Section,
  backend: GenesysCloudWfm,
  gc: GenesysSection,
): Promise<void> {
  const results: Array<Record<string, unknown>> = [];
  s.data.topics = results;
  if (!gc.notifications) {
    s.info('not checked: wfm.genesysCloud.notifications is false, so every write is settled by re-reading');
    return;
  }
  const http = backend.http;
  try {
    const held = (await http.api({
      method: 'GET',
      path: CHANNELS,
      query: { includechannels: 'oauthclient' },
    })) as {
      entities?: unknown[];
    };
    const count = held?.entities?.length ?? 0;
    if (count >= GENESYS_CHANNEL_LIMITS.channelsPerClient) {
      s.warn(
        `not checked: OAuth client ${gc.clientId} already holds ${count} notification channels, and a new one would evict one of them (perhaps a running instance's)`,
      );
      return;
    }
  } catch {
    // the listing is only a precaution; creating the channel says whether channels work at all
  }
  let channelId: string;
  try {
    const created = (await http.api({ method: 'POST', path: CHANNELS })) as { id?: unknown };
    if (typeof created?.id !== 'string') throw new Error('the new channel came back without an id');
    channelId = created.id;
  } catch (err) {
    const f = failure(err);
    s.data.error = f;
    s.fail(
      `a notification channel cannot be created: ${f.message}; write results are then settled by re-reading`,
    );
    return;
  }
  const topics = resultTopics(gc);
  const subscriptions = `${CHANNELS}/${encodeURIComponent(channelId)}/subscriptions`;
  try {
    const answer = (await http.api({
      method: 'PUT',
      path: subscriptions,
      query: { ignoreErrors: true },
      body: topics.map((t) => ({ id: t.topic })),
    })) as {
      entities?: Array<{
        id?: unknown;
        state?: unknown;
        rejectionReason?: unknown;
        missingPermissions?: unknown;
      }>;
    };
    for (const t of topics) {
      const e = answer?.entities?.find((x) => x.id === t.topic);
      if (e?.state !== 'Rejected') {
        results.push({ topic: t.topic, state: 'Permitted' });
        s.ok(`${t.topic}: accepted`);
        continue;
      }
      const reason = typeof e.rejectionReason === 'string' ? e.rejectionReason : 'no reason given';
      const missing = Array.isArray(e.missingPermissions) ? (e.missingPermissions as string[]) : [];
      results.push({
        topic: t.topic,
        state: 'Rejected',
        rejectionReason: reason,
        missingPermissions: missing,
      });
      const text = `${t.topic}: refused (${reason}${missing.length > 0 ? `; missing one of: ${missing.join(', ')}` : ''}): ${t.refusedMeans}`;
      if (t.needed) s.fail(text);
      else s.warn(text);
    }
  } catch (err) {
    const f = failure(err);
    s.data.error = f;
    s.fail(`the topics cannot be subscribed: ${f.message}`);
  } finally {
    try {
      await http.api({ method: 'DELETE', path: subscriptions });
    } catch (err) {
      s.warn(
        `the check's channel ${channelId} keeps its subscriptions (${failure(err).message}); it expires unused within 24 h`,
      );
    }
  }
}
