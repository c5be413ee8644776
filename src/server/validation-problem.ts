/**
 * @module
 * A request that fails validation as problem+json (400), naming each bad value the way the caller
 * can find it: the OpenAPI routes' hook, and routes that validate a part themselves.
 */
import type { Context } from 'hono';
import type { ZodError } from 'zod';
import { describeIssue, formatPath } from '../core/issues.js';
import { makeProblem, problemResponse } from './problem.js';
import { EnqueueBody } from './schemas.js';

/**
 * A bad value as the problem names it: body fields by path ("field \"backoff.base\" in the request
 * body"), URL parts by what they are with the value sent ("queue name \"bad queue\" in the URL"),
 * query parameters by name with the value sent ("value \"0\" of query parameter \"limit\""), since
 * the caller may not see which one it sent.
 */
function fieldName(
  target: string,
  path: readonly PropertyKey[],
  value: string | undefined,
): { field: string; value?: string; where: string } {
  const joined = formatPath(path);
  const shown = value === undefined ? '' : JSON.stringify(value.slice(0, 200));
  if (target === 'param') {
    const what = joined === 'queue' ? 'queue name' : joined === 'id' ? 'job id' : joined;
    return { field: `${what}${shown ? ` ${shown}` : ''}`, where: ' in the URL' };
  }
  if (target === 'query') return { field: `query parameter "${joined}"`, value: shown, where: '' };
  if (target === 'header') return { field: `header "${joined}"`, where: '' };
  return joined ? { field: `field "${joined}"`, where: ' in the request body' } : { field: 'request body', where: '' };
}

export function validationProblem(
  result: { success: true } | { success: false; error: ZodError; target: string },
  c: Context,
): Response | undefined {
  if (result.success) return;
  const errors = result.error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        ...fieldName(result.target, [...issue.path, key], undefined),
        message:
          result.target === 'json' && issue.path.length === 0
            ? `unknown field; the fields are ${Object.keys(EnqueueBody.shape).join(', ')}`
            : 'unknown field; remove it',
      }));
    }
    // A bad part of the URL is named with its value: the caller may not see which one it sent.
    const key = typeof issue.path[0] === 'string' ? issue.path[0] : undefined;
    const value =
      key === undefined
        ? undefined
        : result.target === 'param'
          ? c.req.param(key)
          : result.target === 'query'
            ? c.req.query(key)
            : undefined;
    return [{ ...fieldName(result.target, issue.path, value), message: describeIssue(issue) }];
  });
  const first = errors[0];
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more problem${errors.length > 2 ? 's' : ''}, listed in errors)` : '';
  const named = first?.value ? `value ${first.value} of ${first.field}` : first?.field;
  const sentence = first ? `Invalid ${named}${first.where}: ${first.message}${more}.` : 'Invalid request.';
  return problemResponse(
    makeProblem(
      400,
      'SPOOL_INVALID_ARGUMENT',
      sentence,
      errors.map(({ field, message }) => ({ field, message })),
    ),
  );
}
