import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BRIDGE_CONFIG_TEMPLATE } from '../../src/bridge/genesys-cloud/config-template.js';
import { COMMANDS } from '../../src/cli/main.js';

interface Service {
  build?: unknown;
  command?: string[];
}
const compose = parse(readFileSync('docker-compose.yml', 'utf8')) as { services: Record<string, Service> };
const ours = Object.entries(compose.services).filter(([, s]) => s.build !== undefined);

describe('docker-compose.yml', () => {
  it('runs the sandbox, the reactor, the generator and the bridge from this project’s image', () => {
    expect(ours.map(([name]) => name).sort()).toEqual(['bridge', 'generator', 'reactor', 'wfm-sandbox']);
    expect(Object.keys(compose.services)).toContain('kafka');
  });

  it.each(ours)(
    'service %s runs a command the CLI has, with flags its usage names',
    async (_name, service) => {
      const [command, ...args] = service.command ?? [];
      expect(Object.keys(COMMANDS)).toContain(command);
      const { usage } = (await COMMANDS[command!]!.load()).default;
      for (const flag of args.filter((a) => a.startsWith('--'))) expect(usage).toContain(flag);
    },
  );

  it('points the reactor at a config file that loads', async () => {
    const reactor = compose.services.reactor!;
    const file = reactor.command![reactor.command!.indexOf('--config') + 1]!;
    const { loadConfig } = await import('../../src/config/load.js');
    const env = (compose.services.reactor as { environment: Record<string, string> }).environment;
    expect(() => loadConfig(file, env)).not.toThrow();
  });

  it('points the bridge at the config template, which loads, with a sized heap', async () => {
    const bridge = compose.services.bridge as Service & { environment: Record<string, string> };
    const file = bridge.command![bridge.command!.indexOf('--config') + 1]!;
    expect(readFileSync(file, 'utf8')).toBe(BRIDGE_CONFIG_TEMPLATE);
    const { loadConfig } = await import('../../src/config/load.js');
    const env = { ...bridge.environment, GENESYS_BRIDGE_CLIENT_SECRET: 'a-secret' };
    const loaded = loadConfig(file, env, undefined, { wfm: false, admin: false, bridge: true });
    expect(loaded.config.kafka.brokers).toEqual(['kafka:9092']);
    // bench:bridge measures the bridge with these (docs/bridge-genesys-cloud.md, "Limits")
    expect(bridge.environment.NODE_OPTIONS).toMatch(/--max-old-space-size=\d+/);
    expect(bridge.environment.NODE_OPTIONS).toMatch(/--max-semi-space-size=\d+/);
  });
});
