/**
 * Generates every JSON Schema / OpenAPI document in schemas/ from the zod schemas,
 * which stay the single source (STYLE.md). Run: npm run schemas. CI checks the output
 * is up to date (test/schemas/schemas-up-to-date.test.ts).
 */
import { writeFileSync } from 'node:fs';
import { renderSchemas } from './schema-registry.js';

for (const [file, content] of renderSchemas()) {
  writeFileSync(new URL(`../schemas/${file}`, import.meta.url), content);
  process.stdout.write(`wrote schemas/${file}\n`);
}
