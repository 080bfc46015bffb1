import { describe, expect, it } from 'vitest';
import { DEFAULT_PERMISSIONS } from '../../../src/sandbox/genesys-cloud/options.js';
import { admin, api, type ErrorBody, genesys, token } from './fixture.js';

interface TokenInfo {
  OAuthClient: {
    id: string;
    authorizedGrantType: string;
    roleDivisions: Array<{ roleId: string; divisionId: string }>;
  };
}
interface Role {
  id: string;
  permissions: string[];
  permissionPolicies: Array<{ domain: string; entityName: string; actionSet: string[] }>;
}

const ROLE_VIEW = 'authorization:role:view';

/** The permissions a role's policies grant, as `domain:entity:action` strings. */
const granted = (role: Role) =>
  role.permissionPolicies.flatMap((p) => p.actionSet.map((a) => `${p.domain}:${p.entityName}:${a}`)).sort();

async function roleOf(s: Awaited<ReturnType<typeof genesys>>, t: string): Promise<Role> {
  const me = await api<TokenInfo>(s, t, 'GET', '/api/v2/tokens/me');
  const [grant] = me.body.OAuthClient.roleDivisions;
  const role = await api<Role>(s, t, 'GET', `/api/v2/authorization/roles/${grant!.roleId}`);
  expect(role.status).toBe(200);
  return role.body;
}

describe("genesys-cloud sandbox: reading a token's permissions", () => {
  it('tokens/me names the OAuth client, its grant type and its role divisions, to a token without any permission', async () => {
    const s = await genesys({ clients: [{ id: 'bare', secret: 'bare-secret', permissions: [] }] });
    const r = await api<TokenInfo>(s, await token(s, 'bare', 'bare-secret'), 'GET', '/api/v2/tokens/me');
    expect(r.status).toBe(200);
    expect(r.body.OAuthClient).toMatchObject({ id: 'bare', authorizedGrantType: 'CLIENT-CREDENTIALS' });
    expect(r.body.OAuthClient.roleDivisions).toEqual([
      { roleId: expect.any(String), divisionId: 'home-division' },
    ]);
  });

  it("the client's role answers its permissions as policies of domain, entity and actions", async () => {
    const permissions = [...DEFAULT_PERMISSIONS, ROLE_VIEW];
    const s = await genesys({ clients: [{ id: 'trunk-reactor', secret: 'sandbox-secret', permissions }] });
    const role = await roleOf(s, await token(s));
    expect(granted(role)).toEqual([...permissions].sort());
    expect(role.permissionPolicies).toContainEqual(
      expect.objectContaining({
        domain: 'wfm',
        entityName: 'schedule',
        actionSet: ['edit', 'generate', 'view'],
      }),
    );
  });

  it('a permission taken from the OAuth client is gone from the role read back, with the same token', async () => {
    const s = await genesys({
      clients: [
        { id: 'trunk-reactor', secret: 'sandbox-secret', permissions: [...DEFAULT_PERMISSIONS, ROLE_VIEW] },
      ],
    });
    const t = await token(s);
    expect(granted(await roleOf(s, t))).toContain('wfm:schedule:edit');
    const left = [...DEFAULT_PERMISSIONS, ROLE_VIEW].filter((p) => p !== 'wfm:schedule:edit');
    expect((await admin(s, 'PUT', '/clients/trunk-reactor', { permissions: left })).status).toBe(200);
    expect(granted(await roleOf(s, t))).toEqual([...left].sort());
  });

  it('refuses the role to a client without authorization:role:view (403 naming it), and answers 404 for an unknown role', async () => {
    const s = await genesys();
    const t = await token(s);
    const me = await api<TokenInfo>(s, t, 'GET', '/api/v2/tokens/me');
    const roleId = me.body.OAuthClient.roleDivisions[0]!.roleId;
    const refused = await api<ErrorBody & { messageParams?: { missingPermissions?: string } }>(
      s,
      t,
      'GET',
      `/api/v2/authorization/roles/${roleId}`,
    );
    expect([refused.status, refused.body.code]).toEqual([403, 'missing.permissions']);
    expect(refused.body.messageParams?.missingPermissions).toBe(ROLE_VIEW);
    await admin(s, 'PUT', '/clients/trunk-reactor', { permissions: [...DEFAULT_PERMISSIONS, ROLE_VIEW] });
    const unknown = await api<ErrorBody>(s, t, 'GET', '/api/v2/authorization/roles/no-such-role');
    expect([unknown.status, unknown.body.code]).toEqual([404, 'not.found']);
  });
});
