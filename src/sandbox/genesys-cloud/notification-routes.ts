import { z } from 'zod';
import { type ApiRequest, boolParam, type Route } from './api-request.js';
import { GenesysError } from './genesys-error.js';
import type { NotificationHub } from './notification-hub.js';
import { API } from './wire.js';

const Topics = z.array(z.object({ id: z.string().min(1) }));

/** The notifications API: channels, their subscriptions, and the connectUri a socket opens. */
export function notificationRoutes(
  hub: NotificationHub,
  streamingOrigin: (r: ApiRequest) => string,
): Route[] {
  const base = `${API}/notifications/channels`;
  const topics = async (r: ApiRequest): Promise<string[]> => {
    const parsed = Topics.safeParse(await r.json());
    if (!parsed.success)
      throw new GenesysError(
        'bad.request',
        'send the subscriptions as a JSON array of topics: [{"id":"v2.…"}]',
      );
    return parsed.data.map((t) => t.id);
  };
  return [
    {
      method: 'POST',
      pattern: base,
      handle: (r) => ({ status: 200, body: hub.createChannel(r.principal, streamingOrigin(r)) }),
    },
    {
      method: 'GET',
      pattern: base,
      handle(r) {
        const scope = r.query.get('includechannels') ?? 'token';
        if (scope !== 'token' && scope !== 'oauthclient')
          throw new GenesysError(
            'invalid.value',
            `query includechannels must be token or oauthclient, got '${scope}'`,
          );
        return { status: 200, body: { entities: hub.listChannels(r.principal, scope, streamingOrigin(r)) } };
      },
    },
    {
      method: 'HEAD',
      pattern: `${base}/:channelId`,
      handle: (r, p) => ({ status: hub.exists(p.channelId!, r.principal) ? 200 : 404 }),
    },
    {
      method: 'GET',
      pattern: `${base}/:channelId/subscriptions`,
      handle: (r, p) => ({ status: 200, body: { entities: hub.subscriptions(p.channelId!, r.principal) } }),
    },
    // PUT replaces the channel's topics, POST adds to them
    ...(
      [
        ['PUT', 'replace'],
        ['POST', 'add'],
      ] as const
    ).map(([method, mode]) => ({
      method,
      pattern: `${base}/:channelId/subscriptions`,
      handle: async (r: ApiRequest, p: Record<string, string>) => ({
        status: 200,
        body: {
          entities: hub.subscribe(
            p.channelId!,
            r.principal,
            await topics(r),
            mode,
            boolParam(r.query, 'ignoreErrors'),
          ),
        },
      }),
    })),
    {
      method: 'DELETE',
      pattern: `${base}/:channelId/subscriptions`,
      handle(r, p) {
        hub.unsubscribeAll(p.channelId!, r.principal);
        return { status: 204 };
      },
    },
  ];
}
