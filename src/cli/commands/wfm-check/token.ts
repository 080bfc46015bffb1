import { request } from 'undici';
import type { Clock } from '../../../time/clock.js';
import { GenesysLogin } from '../../../wfm/genesys-cloud/http.js';
import type { SecretRedactor } from '../../../wfm/redact.js';
import { LoginFailed } from './failure.js';
import type { GenesysSection } from './inputs.js';

/**
 * Logs in as the backend does (GenesysLogin: HTTP Basic, grant_type=client_credentials), keeping
 * the login host's answer for the token's lifetime, which the backend's own login does not show.
 */
export async function logIn(
  gc: GenesysSection,
  loginBaseUrl: string,
  secret: string,
  clock: Clock,
  timeoutMs: number,
  redactor: SecretRedactor,
): Promise<{ expiresInSeconds: number }> {
  let lifetime = 0;
  const login = new GenesysLogin(gc.clientId, secret, clock, async (form, basic) => {
    const origin = new URL(loginBaseUrl).origin;
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(`${origin}/oauth/token`, {
        method: 'POST',
        headers: {
          authorization: basic,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: form,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new LoginFailed(`the login host ${origin} could not be reached: ${(err as Error).message}`, true);
    }
    const text = await res.body.text();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // not JSON: the status says enough
    }
    if (res.statusCode >= 500)
      throw new LoginFailed(`the login host ${origin} answered ${res.statusCode}`, true, res.statusCode);
    if (res.statusCode >= 300) {
      const error = typeof body.error === 'string' ? body.error : undefined;
      const said = body.error_description ?? body.description;
      throw new LoginFailed(
        `the login host ${origin} refused the client credentials of OAuth client '${gc.clientId}': ${res.statusCode}${error ? ` ${error}` : ''}${typeof said === 'string' ? ` (${said})` : ''}; check wfm.genesysCloud.clientId and clientSecret, and that the OAuth client uses the Client Credentials grant`,
        false,
        res.statusCode,
        error,
      );
    }
    if (typeof body.access_token === 'string') redactor.add(body.access_token);
    if (typeof body.expires_in === 'number') lifetime = body.expires_in;
    return body;
  });
  redactor.add(secret);
  for (const s of login.secrets()) redactor.add(s);
  await login.authorization();
  return { expiresInSeconds: lifetime };
}

export function lifetimeText(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}
