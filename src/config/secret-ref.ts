import { z } from 'zod';

/** A secret never sits in the config file itself: it names an environment variable or a file. */
export const SecretRef = z
  .union([
    z.strictObject({ env: z.string().min(1).describe('environment variable holding the secret') }),
    z.strictObject({
      file: z.string().min(1).describe('file holding the secret (trailing newline trimmed)'),
    }),
  ])
  .meta({ id: 'SecretRef', description: 'Where to read a secret from: { env: NAME } or { file: PATH }' });
export type SecretRef = z.infer<typeof SecretRef>;
