import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderSchemas } from '../../scripts/schema-registry.js';

describe('schemas/ is generated from the zod schemas', () => {
  it.each(renderSchemas().map(([file, content]) => [file, content]))(
    'schemas/%s matches its zod source (run npm run schemas after changing one)',
    (file, content) => {
      expect(readFileSync(new URL(`../../schemas/${file}`, import.meta.url), 'utf8')).toBe(content);
    },
  );
});
