/**
 * @module
 * The one place that turns validation issues (zod's) into sentences a person can act on, for the
 * library, the config file, the HTTP API and the CLI alike: the path of the bad value as code
 * would write it (`backoff.base`, `queues.emails.concurrency`, `items[2]`), then what it must be.
 */
import type { z } from 'zod';

type Issue = z.core.$ZodIssue;

/** `a.b[2].c` for a path of keys and indexes. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

/** zod's own messages start like these; anything else was written for people by a schema. */
const zodDefault = /^(Too small|Too big|Invalid|Expected|Unrecognized|Required)/;

/** What an issue says should change, without the path. */
export function describeIssue(issue: Issue): string {
  if (issue.code !== 'custom' && issue.code !== 'unrecognized_keys' && issue.message && !zodDefault.test(issue.message))
    return issue.message;
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; remove ${issue.keys.length > 1 ? 'them' : 'it'}`;
    case 'invalid_type': {
      // zod reports the input only when asked to (`reportInput`); without it, its message still says what it received.
      const received = 'input' in issue ? (issue.input === undefined ? 'undefined' : typeOf(issue.input)) : receivedOf(issue.message);
      if (received === 'undefined') return `is required (${article(issue.expected)})`;
      return `must be ${article(issue.expected)}${received ? `; got ${received}` : ''}`;
    }
    case 'too_small':
      return issue.origin === 'string' || issue.origin === 'array'
        ? `must have at least ${issue.minimum} ${issue.origin === 'string' ? 'character' : 'item'}${Number(issue.minimum) === 1 ? '' : 's'}`
        : `must be at least ${issue.minimum}${issue.inclusive === false ? ' (exclusive)' : ''}`;
    case 'too_big':
      return issue.origin === 'string' || issue.origin === 'array'
        ? `must have at most ${issue.maximum} ${issue.origin === 'string' ? 'characters' : 'items'}`
        : `must be at most ${issue.maximum}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union':
      return unionMessage(issue);
    case 'invalid_format':
      return issue.message && !issue.message.startsWith('Invalid') ? issue.message : `must be a valid ${issue.format}`;
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    case 'invalid_key':
      return `has an invalid name: ${issue.issues.map((inner) => describeIssue(inner as Issue)).join('; ')}`;
    default:
      return issue.message;
  }
}

/**
 * One sentence part per issue: `path: what to change`, or `what to change` at the top level.
 * Unknown keys are named as `noun`s: "unknown option "x"" for call options, "unknown field
 * "queues.emails.retries"" (the whole path) for documents such as the config file.
 */
export function describeIssues(issues: readonly Issue[], options: { noun?: 'option' | 'field' } = {}): string[] {
  const noun = options.noun ?? 'option';
  return issues.map((issue) => {
    const path = formatPath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      const plural = issue.keys.length > 1 ? 's' : '';
      if (noun === 'field') return `unknown field${plural} ${issue.keys.map((k) => `"${formatPath([...issue.path, k])}"`).join(', ')}`;
      return `unknown option${plural} ${issue.keys.map((k) => `"${k}"`).join(', ')}${path ? ` in ${path}` : ''}`;
    }
    const message = describeIssue(issue);
    return path ? `${path}: ${message}` : message;
  });
}

function unionMessage(issue: Extract<Issue, { code: 'invalid_union' }>): string {
  // A duration (number or "30s") or a time (Date, number or string): say what fits, not every branch.
  const custom = issue.errors.flat().find((inner) => inner.code === 'custom' || inner.code === 'invalid_format');
  if (custom) return describeIssue(custom as Issue);
  const expected = [...new Set(issue.errors.flat().flatMap((inner) => (inner.code === 'invalid_type' ? [inner.expected] : [])))];
  const bounds = issue.errors.flat().find((inner) => inner.code === 'too_big' || inner.code === 'too_small');
  if (bounds) return describeIssue(bounds as Issue);
  return expected.length > 0 ? `must be ${expected.map(article).join(' or ')}; got ${typeOf(issue.input)}` : issue.message;
}

/** "a string", "an object", "an array". */
function article(noun: string): string {
  return `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`;
}

/** What zod's own message says it received ("…, received array"), as a person would say it; "" when it does not say. */
function receivedOf(message: string): string {
  const kind = /received (\w+)/.exec(message)?.[1];
  if (!kind) return '';
  if (kind === 'undefined' || kind === 'null') return kind;
  return article(kind);
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  return `a ${typeof value}`;
}
