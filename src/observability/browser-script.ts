import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type BrowserScriptName, bundleBrowserScript } from './browser-bundle.js';

const scripts = new Map<BrowserScriptName, string>();

/**
 * A browser script's JavaScript (browser-bundle.ts), once per process. Run from the built
 * dist/, it is the file `npm run build` wrote beside this module; run from src (tsx, the
 * tests), it is bundled from the TypeScript here, so an edit shows at the next start.
 */
export function browserScript(name: BrowserScriptName): string {
  let script = scripts.get(name);
  if (script === undefined) {
    script = import.meta.url.endsWith('.ts') ? bundleBrowserScript(name) : readBuilt(name);
    scripts.set(name, script);
  }
  return script;
}

function readBuilt(name: BrowserScriptName): string {
  const file = fileURLToPath(new URL(`./status-page/${name}.js`, import.meta.url));
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${file} is missing: \`npm run build\` writes it`, { cause: err });
  }
}
