import { z } from 'zod';
import './contract.js';
import './snapshot.js';

/**
 * The WFM contract as OpenAPI 3.1, built from the zod schemas in contract.ts (components)
 * and the path table below. Generated into schemas/wfm-openapi.json by `npm run schemas`.
 */
const CONTRACT_SCHEMAS = [
  'Instant',
  'ActivityType',
  'Activity',
  'Shift',
  'ShiftPatch',
  'ShiftPage',
  'Agent',
  'AgentPage',
  'SwapItem',
  'BulkSwapRequest',
  'SwapResult',
  'BulkSwapResponse',
  'Error',
  'TokenRequest',
  'TokenResponse',
];

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const error = (description: string, codes: string[], retryAfter = false) => ({
  description: `${description} — errorCode: ${codes.join(' | ')}`,
  ...(retryAfter ? { headers: { 'Retry-After': { $ref: '#/components/headers/RetryAfter' } } } : {}),
  ...json(ref('Error')),
});
const common = {
  '400': error('Validation failed (timestamp without offset, off the grid, end before start, …)', [
    'VALIDATION_ERROR',
    'MALFORMED_JSON',
  ]),
  '401': error('Missing, invalid or expired bearer token', ['UNAUTHORIZED']),
  '405': error('Method not allowed on this path (the Allow header lists the allowed ones)', [
    'METHOD_NOT_ALLOWED',
  ]),
  '429': error('Over the per-client rate limit', ['RATE_LIMITED'], true),
  '500': error('Server error; safe to retry with the same Idempotency-Key', ['INTERNAL_ERROR']),
  '503': error('Temporarily unavailable', ['SERVICE_UNAVAILABLE']),
};
const idempotencyKey = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Unique per logical change, reused on every retry (IETF draft). Same key + same body after completion: the stored response with `Idempotency-Replayed: true`; another body: 422; original still in flight: 409. Kept 24 hours. Only executed requests are stored: a 409 conflict, lock or validation error frees the key.',
  schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
};
const writeConflicts = error(
  'Conflict. VERSION_CONFLICT: the shift changed since `version` (details.currentVersion, details.shift). SHIFT_OVERLAP: the agent would hold two overlapping shifts (details.conflictingShiftId). SCHEDULE_LOCKED: the week is being published (Retry-After, details.lockedUntil). IDEMPOTENCY_KEY_IN_FLIGHT: the first request with this key is still running. A WFM may answer any of these as a bare SCHEDULE_CONFLICT.',
  ['VERSION_CONFLICT', 'SHIFT_OVERLAP', 'SCHEDULE_LOCKED', 'IDEMPOTENCY_KEY_IN_FLIGHT', 'SCHEDULE_CONFLICT'],
  true,
);
const instantQuery = (name: string, description: string) => ({
  name,
  in: 'query',
  required: false,
  description,
  schema: ref('Instant'),
});
const paging = [
  {
    name: 'pageSize',
    in: 'query',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
  },
  {
    name: 'pageToken',
    in: 'query',
    required: false,
    schema: { type: 'string' },
    description: 'nextPageToken of the previous page',
  },
];

export function buildOpenApi(): object {
  const all = z.toJSONSchema(z.globalRegistry, { uri: (id) => `#/components/schemas/${id}` }).schemas;
  const schemas: Record<string, unknown> = {};
  for (const name of CONTRACT_SCHEMAS) {
    const { $schema: _s, $id: _i, ...schema } = all[name] as Record<string, unknown>;
    schemas[name] = schema;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'WFM schedules API (the contract trunk-reactor writes to)',
      version: '2.0.0',
      description:
        'Every instant carries an explicit offset; servers answer in UTC. Shifts lie on a 15-minute grid in the agent’s zone; schedule weeks are computed in the business unit’s zone. See docs/wfm-contract.md.',
    },
    servers: [{ url: '/wfm/api/v2' }],
    security: [{ bearer: [] }],
    paths: {
      '/oauth/token': {
        post: {
          operationId: 'issueToken',
          summary: 'OAuth2 client credentials grant',
          security: [],
          requestBody: {
            required: true,
            content: {
              'application/x-www-form-urlencoded': { schema: ref('TokenRequest') },
              'application/json': { schema: ref('TokenRequest') },
            },
          },
          responses: {
            '200': { description: 'An access token', ...json(ref('TokenResponse')) },
            '400': common['400'],
            '401': common['401'],
          },
        },
      },
      '/schedules/shifts': {
        get: {
          operationId: 'listShifts',
          summary: 'List shifts, ordered by start then id',
          parameters: [
            { name: 'teamId', in: 'query', required: false, schema: { type: 'string' } },
            { name: 'agentId', in: 'query', required: false, schema: { type: 'string' } },
            instantQuery('from', 'shifts ending after this instant'),
            instantQuery('to', 'shifts starting before this instant'),
            ...paging,
          ],
          responses: { '200': { description: 'A page of shifts', ...json(ref('ShiftPage')) }, ...common },
        },
      },
      '/schedules/shifts/{shiftId}': {
        parameters: [{ name: 'shiftId', in: 'path', required: true, schema: { type: 'string' } }],
        get: {
          operationId: 'getShift',
          summary: 'One shift with its version',
          responses: {
            '200': { description: 'The shift; ETag carries the version', ...json(ref('Shift')) },
            '404': error('No such shift', ['NOT_FOUND']),
            ...common,
          },
        },
        patch: {
          operationId: 'patchShift',
          summary: 'Change a shift, based on the version read',
          description:
            'Moving start or end without sending activities reflows them: clipped to the new bounds, new time at either edge becomes on-queue. Changing agentId moves the shift to another agent (use the swap endpoint to exchange two shifts).',
          parameters: [idempotencyKey],
          requestBody: { required: true, ...json(ref('ShiftPatch')) },
          responses: {
            '200': {
              description: 'The updated shift (version + 1); a no-op change returns the shift unchanged',
              headers: { 'Idempotency-Replayed': { schema: { type: 'string', enum: ['true'] } } },
              ...json(ref('Shift')),
            },
            '404': error('No such shift', ['NOT_FOUND']),
            '409': writeConflicts,
            '413': error('Body too large', ['PAYLOAD_TOO_LARGE']),
            '415': error('Body is not JSON', ['UNSUPPORTED_MEDIA_TYPE']),
            '422': error('Idempotency-Key reused with another body', ['IDEMPOTENCY_KEY_REUSED']),
            ...common,
          },
        },
      },
      '/schedules/shifts/swaps': {
        post: {
          operationId: 'swapShifts',
          summary: 'Bulk swap: exchange the owners of pairs of shifts, each swap atomic',
          description:
            'Items run in order; each swap changes both shifts or neither. A failed item carries its error (VERSION_CONFLICT, SHIFT_OVERLAP, SCHEDULE_LOCKED, NOT_FOUND, VALIDATION_ERROR) and changed nothing.',
          parameters: [idempotencyKey],
          requestBody: { required: true, ...json(ref('BulkSwapRequest')) },
          responses: {
            '200': { description: 'Per-item results', ...json(ref('BulkSwapResponse')) },
            '413': error('Body too large', ['PAYLOAD_TOO_LARGE']),
            '415': error('Body is not JSON', ['UNSUPPORTED_MEDIA_TYPE']),
            '409': error('The first request with this key is still running', ['IDEMPOTENCY_KEY_IN_FLIGHT']),
            '422': error('Idempotency-Key reused with another body', ['IDEMPOTENCY_KEY_REUSED']),
            ...common,
          },
        },
      },
      '/agents': {
        get: {
          operationId: 'listAgents',
          summary: 'Agents with their IANA time zones',
          parameters: [
            { name: 'teamId', in: 'query', required: false, schema: { type: 'string' } },
            ...paging,
          ],
          responses: { '200': { description: 'A page of agents', ...json(ref('AgentPage')) }, ...common },
        },
      },
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'a static token or one from /oauth/token' },
      },
      headers: {
        RetryAfter: {
          description: 'seconds to wait before retrying',
          schema: { type: 'integer', minimum: 1 },
        },
      },
      schemas,
    },
  };
}
