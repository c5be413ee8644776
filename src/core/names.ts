/**
 * @module
 * Queue, job, topic and subscription names: one pattern, declared once, used by the library, the
 * HTTP schemas, the config file and the CLI. Names starting with `spool.` belong to Spool's own
 * internal queues (webhook deliveries, bridges, schedules) and are refused from public calls, so
 * nobody can forge an internal job.
 */
import { z } from 'zod';
import { InvalidArgumentError } from './errors.js';

export const namePattern = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export const nameRule = 'use 1 to 128 letters, digits, ".", "_", ":" or "-", starting with a letter or digit';

/** The prefix of Spool's internal queues. */
export const internalPrefix = 'spool.';

export type NameKind = 'queue' | 'job name' | 'topic' | 'subscription' | 'breaker' | 'schedule';

/** An example of each kind of name, for messages. */
export const nameExamples: Record<NameKind, string> = {
  queue: '"emails"',
  'job name': '"send-welcome"',
  topic: '"orders"',
  subscription: '"billing"',
  breaker: '"payments-api"',
  schedule: '"nightly-report"',
};

/** A name as a zod schema, for schemas that validate many fields at once. */
export const nameSchema = z.string().regex(namePattern, nameRule);

/** Checks a name; the message says what a valid one looks like. */
export function assertName(value: unknown, what: NameKind): string {
  if (typeof value !== 'string' || !namePattern.test(value)) {
    throw new InvalidArgumentError(
      `Invalid ${what} ${JSON.stringify(typeof value === 'string' ? value.slice(0, 200) : value)}: ${nameRule} (for example ${nameExamples[what]}).`,
    );
  }
  return value;
}

export function isInternalName(name: string): boolean {
  return name.startsWith(internalPrefix);
}

/** A name public calls may use: valid, and not in Spool's reserved `spool.` namespace. */
export function assertPublicName(value: unknown, what: NameKind): string {
  const name = assertName(value, what);
  if (isInternalName(name)) {
    throw new InvalidArgumentError(
      `The ${what} "${name}" is in the reserved "${internalPrefix}" namespace, which only Spool's own internal queues use; pick a name that does not start with "${internalPrefix}".`,
    );
  }
  return name;
}
