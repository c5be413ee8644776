/**
 * Parsers for command-line values; each throws a usage error (exit 2) that commander prints after
 * the flag and the value ("option '--limit <n>' argument '0' is invalid. Must be at least 1."). The
 * sentences are the library's and the API's: the same schemas and rules, worded in `core/issues.ts`.
 */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError as CommanderInvalidArgument } from 'commander';
import { z } from 'zod';
import { describeIssues } from '../core/issues.js';
import { type NameKind, internalPrefix, isInternalName, nameExamples, namePattern, nameRule } from '../core/names.js';
import { enqueueOptionsFields, listLimitSchema } from '../core/options.js';
import { jobStatuses } from '../core/types.js';

/** "must be at least 1" → "Must be at least 1." */
function sentence(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}${text.endsWith('.') ? '' : '.'}`;
}

/** A whole number checked against one of the shared schemas. */
function numberBy(schema: z.ZodType<number | undefined>): (value: string) => number {
  return (value) => {
    const n = value.trim() === '' ? Number.NaN : Number(value);
    const result = schema.safeParse(Number.isNaN(n) ? value : n, { reportInput: true });
    if (!result.success) throw new CommanderInvalidArgument(sentence(describeIssues(result.error.issues).join('; ')));
    return n;
  };
}

/** Jobs per page (1 to 500). */
export const limit = numberBy(listLimitSchema);
export const maxAttempts = numberBy(enqueueOptionsFields.maxAttempts);
export const priority = numberBy(enqueueOptionsFields.priority);

/** A queue or job name, by the one rule; `publicOnly` refuses Spool's internal `spool.` queues. */
export function name(kind: NameKind, publicOnly = false): (value: string) => string {
  return (value) => {
    if (!namePattern.test(value)) throw new CommanderInvalidArgument(sentence(`${nameRule} (for example ${nameExamples[kind]})`));
    if (publicOnly && isInternalName(value)) {
      throw new CommanderInvalidArgument(
        `"${internalPrefix}" is the reserved namespace of Spool's own internal queues; pick a name that does not start with it.`,
      );
    }
    return value;
  };
}

export function jobId(value: string): string {
  if (!/^\d{1,19}$/.test(value))
    throw new CommanderInvalidArgument(`"${value}" is not a job id; ids are the digits printed by \`spool enqueue\`.`);
  return value;
}

/** A job id, or a group id as `spool.group()` returns it (`grp_…`). */
export function jobOrGroupId(value: string): string {
  if (/^grp_[a-z0-9]{1,64}$/.test(value)) return value;
  if (!/^\d{1,19}$/.test(value))
    throw new CommanderInvalidArgument(
      `"${value}" is not a job id or a group id; ids are the digits printed by \`spool enqueue\`, group ids start with grp_.`,
    );
  return value;
}

export function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new CommanderInvalidArgument(`"${value}" is not a whole number.`);
  return n;
}

export function status(value: string): string {
  const result = z.enum(jobStatuses as [string, ...string[]]).safeParse(value, { reportInput: true });
  if (!result.success) throw new CommanderInvalidArgument(sentence(describeIssues(result.error.issues).join('; ')));
  return value;
}

export function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new CommanderInvalidArgument(`"${value}" is not a port number (0 to 65535).`);
  return n;
}

/** JSON given inline, as `@file.json`, or `-` for standard input. */
export function jsonValue(value: string): unknown {
  let text = value;
  if (value === '-') text = readFileSync(0, 'utf8');
  else if (value.startsWith('@')) {
    try {
      text = readFileSync(value.slice(1), 'utf8');
    } catch (err) {
      throw new CommanderInvalidArgument(`cannot read ${value.slice(1)}: ${(err as Error).message}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CommanderInvalidArgument(
      `not valid JSON (${(err as Error).message}). Quote it for your shell, e.g. '{"to":"ada@example.com"}'.`,
    );
  }
}
