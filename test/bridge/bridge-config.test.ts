import { describe, expect, it } from 'vitest';
import { BRIDGE_CONFIG_TEMPLATE } from '../../src/bridge/genesys-cloud/config-template.js';
import { TrunkMapping } from '../../src/bridge/genesys-cloud/trunk-mapping.js';
import { ConfigError, loadConfig } from '../../src/config/load.js';

const files = (map: Record<string, string>) => (p: string) => {
  if (!(p in map)) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
  return map[p]!;
};
const ENV = { GENESYS_BRIDGE_CLIENT_SECRET: 'bridge-s3cr3t-value' };
const BRIDGE = { wfm: false, admin: false, bridge: true } as const;

function section(trunks: string, defaults = '      capacity: 30\n      region: apac\n'): string {
  return `bridge:
  genesysCloud:
    region: mypurecloud.com
    clientId: abc
    clientSecret: { env: GENESYS_BRIDGE_CLIENT_SECRET }
    defaults:
${defaults}    trunks:
${trunks}`;
}

describe('the bridge.genesysCloud config section', () => {
  it('refuses a trunk base with no capacity from its entry or the defaults, naming the base and why', () => {
    const text = section(
      '      "SG BYOC 01": { trunkId: sg-byoc-01, trunkGroup: sg-byoc, site: sg1 }\n',
      '      region: apac\n',
    );
    expect(() => loadConfig('c.yaml', ENV, files({ 'c.yaml': text }), BRIDGE)).toThrow(
      /c\.yaml:\d+: bridge\.genesysCloud\.trunks\.SG BYOC 01\.capacity: trunk base 'SG BYOC 01': set capacity here or in defaults \(Genesys' Max Concurrent Calls may be Unlimited/,
    );
  });

  it('refuses a base listed by a name with spaces and no trunkId, and one missing its site', () => {
    const text = section('      "SG BYOC 01": { trunkGroup: sg-byoc }\n');
    let message = '';
    try {
      loadConfig('c.yaml', ENV, files({ 'c.yaml': text }), BRIDGE);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    expect(message).toContain("trunk base 'SG BYOC 01': set trunkId");
    expect(message).toContain("trunk base 'SG BYOC 01': set site here or in defaults");
  });

  it('resolves the client secret only for the bridge, and refuses the bridge without its section', () => {
    const text = section('      sg-byoc-01: { trunkGroup: sg-byoc, site: sg1 }\n');
    const read = files({ 'c.yaml': text });
    expect(
      loadConfig('c.yaml', {}, read, { wfm: false, admin: false }).secrets.bridgeClientSecret,
    ).toBeUndefined();
    const loaded = loadConfig('c.yaml', ENV, read, BRIDGE);
    expect(loaded.secrets.bridgeClientSecret).toBe('bridge-s3cr3t-value');
    expect(loaded.scrubber.scrub('token bridge-s3cr3t-value')).toBe('token [REDACTED]');
    expect(() => loadConfig('c.yaml', {}, read, BRIDGE)).toThrow(/GENESYS_BRIDGE_CLIENT_SECRET is not set/);
    expect(() => loadConfig('e.yaml', ENV, files({ 'e.yaml': 'log: { level: info }\n' }), BRIDGE)).toThrow(
      /bridge\.genesysCloud: add the section/,
    );
  });

  it('refuses plain http hosts unless allowInsecureHttp', () => {
    const text = `bridge:
  genesysCloud:
    apiBaseUrl: http://127.0.0.1:8080
    loginBaseUrl: http://127.0.0.1:8081
    clientId: abc
    clientSecret: { env: GENESYS_BRIDGE_CLIENT_SECRET }
`;
    expect(() => loadConfig('c.yaml', ENV, files({ 'c.yaml': text }), BRIDGE)).toThrow(
      /bridge\.genesysCloud\.apiBaseUrl must be https:\/\//,
    );
    const ok = `${text}    allowInsecureHttp: true\n`;
    expect(
      loadConfig('c.yaml', ENV, files({ 'c.yaml': ok }), BRIDGE).config.bridge.genesysCloud?.apiBaseUrl,
    ).toBe('http://127.0.0.1:8080');
  });

  it('takes the --template output as it stands, and maps a base by id before name, defaults filling the rest', () => {
    const loaded = loadConfig('t.yaml', ENV, files({ 't.yaml': BRIDGE_CONFIG_TEMPLATE }), BRIDGE);
    const g = loaded.config.bridge.genesysCloud!;
    expect(g.topic).toBeUndefined();
    expect(g.bufferMaxEvents).toBe(10_000);
    const mapping = new TrunkMapping(g);
    expect(mapping.resolve({ id: 'x-1', name: 'SG BYOC 02' })).toEqual({
      trunkId: 'sg-byoc-02',
      trunkGroup: 'sg-byoc',
      region: 'apac',
      site: 'sg1',
      labels: undefined,
      capacity: 60,
    });
    expect(mapping.resolve({ id: 'x-2', name: 'SG BYOC 01' })).toMatchObject({
      trunkId: 'sg-byoc-01',
      capacity: 30,
      labels: { carrier: 'starhub' },
    });
    expect(mapping.resolve({ id: 'x-3', name: 'SG BYOC 03' })).toBeUndefined();
    const byId = new TrunkMapping({
      defaults: { region: 'apac', site: 'sg1', trunkGroup: 'g', capacity: 10 },
      trunks: { 'id-7': { trunkId: 'by-id' }, 'Name 7': { trunkId: 'by-name' } },
    });
    expect(byId.resolve({ id: 'id-7', name: 'Name 7' })?.trunkId).toBe('by-id');
  });
});
