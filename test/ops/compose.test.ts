import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { COMMANDS } from '../../src/cli/main.js';

interface Service {
  build?: unknown;
  command?: string[];
}
const compose = parse(readFileSync('docker-compose.yml', 'utf8')) as { services: Record<string, Service> };
const ours = Object.entries(compose.services).filter(([, s]) => s.build !== undefined);

describe('docker-compose.yml', () => {
  it('runs the sandbox, the reactor and the generator from this project’s image', () => {
    expect(ours.map(([name]) => name).sort()).toEqual(['generator', 'reactor', 'wfm-sandbox']);
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
});
