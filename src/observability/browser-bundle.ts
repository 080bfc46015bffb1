/**
 * Turns the browser code (TypeScript in status-page/, typed against the DOM by its own
 * tsconfig) into one classic script per page, with esbuild: the one tsx runs on, so wherever
 * the TypeScript runs from src (`npm run demo`, the tests) it is there. `npm run build` runs
 * this file to write the scripts beside the compiled server code
 * (`tsx src/observability/browser-bundle.ts dist/observability/status-page`), where
 * browser-script.ts reads them; a dist/ without the dev dependencies needs no esbuild.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Each script: its entry in status-page/ and, for one that other pages' inline code calls, the global it sets. */
export const BROWSER_SCRIPTS = {
  /** GET /status.js */
  'status-page': { entry: 'browser.ts' },
  /** inlined by `plan --report` (utilization-chart.ts) */
  'utilization-chart': { entry: 'report-chart.ts', globalName: 'utilizationChart' },
} as const satisfies Record<string, { entry: string; globalName?: string }>;

export type BrowserScriptName = keyof typeof BROWSER_SCRIPTS;

/** Where the browser code's TypeScript is. */
export const BROWSER_SOURCE_DIR = fileURLToPath(new URL('./status-page/', import.meta.url));

type Esbuild = typeof import('esbuild');

function esbuild(): Esbuild {
  const req = createRequire(import.meta.url);
  try {
    return createRequire(req.resolve('tsx/package.json'))('esbuild') as Esbuild;
  } catch (err) {
    throw new Error(
      'the status page is bundled from its TypeScript with the esbuild that tsx brings, and neither was found: ' +
        'install the dev dependencies (npm ci), or run the built dist/ (npm run build)',
      { cause: err },
    );
  }
}

/** The script's JavaScript, bundled from its TypeScript. */
export function bundleBrowserScript(name: BrowserScriptName): string {
  const spec: { entry: string; globalName?: string } = BROWSER_SCRIPTS[name];
  const result = esbuild().buildSync({
    entryPoints: [join(BROWSER_SOURCE_DIR, spec.entry)],
    // paths in the output's comments relative to here, whichever directory the process runs in
    absWorkingDir: BROWSER_SOURCE_DIR,
    bundle: true,
    write: false,
    metafile: true,
    format: 'iife',
    ...(spec.globalName ? { globalName: spec.globalName } : {}),
    platform: 'browser',
    target: 'es2022',
    charset: 'utf8',
    legalComments: 'none',
    logLevel: 'silent',
  });
  // Server modules are imported as types only (erased): their values would pull zod, luxon
  // and node: modules into the page.
  for (const input of Object.keys(result.metafile.inputs)) {
    const rel = relative(BROWSER_SOURCE_DIR, resolve(BROWSER_SOURCE_DIR, input));
    if (rel.startsWith('..'))
      throw new Error(
        `browser script '${name}' bundles ${input}, outside ${BROWSER_SOURCE_DIR}: import server code with \`import type\``,
      );
  }
  const out = result.outputFiles[0];
  if (out === undefined) throw new Error(`browser script '${name}': esbuild wrote nothing`);
  return out.text;
}

/** Writes every script as `<name>.js` into `dir`. */
export function writeBrowserScripts(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const name of Object.keys(BROWSER_SCRIPTS) as BrowserScriptName[]) {
    writeFileSync(join(dir, `${name}.js`), bundleBrowserScript(name));
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: tsx src/observability/browser-bundle.ts <output dir>\n');
    process.exit(2);
  }
  writeBrowserScripts(dir);
}
