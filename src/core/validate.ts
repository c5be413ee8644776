import { InvalidArgumentError, SpoolError } from './errors.js';

const namePattern = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** Queue and job names: 1–128 characters of letters, digits, `.`, `_`, `:` or `-`, starting with a letter or digit. */
export function assertName(value: unknown, what: 'queue' | 'job name'): string {
  if (typeof value !== 'string' || !namePattern.test(value)) {
    throw new InvalidArgumentError(
      `Invalid ${what} ${JSON.stringify(value)}: use 1 to 128 letters, digits, ".", "_", ":" or "-", starting with a letter or digit (for example "emails" or "send-welcome").`,
    );
  }
  return value;
}

/**
 * Serialises a payload (or result) to JSON, refusing values JSON would silently change or drop,
 * with the path of the offending value in the message.
 */
export function toJson(value: unknown, what: string, maxBytes: number): string {
  assertJsonValue(value, what, new Set());
  const text = JSON.stringify(value === undefined ? null : value);
  const bytes = Buffer.byteLength(text);
  if (bytes > maxBytes) {
    throw new SpoolError(
      'SPOOL_PAYLOAD_TOO_LARGE',
      `The ${what} is ${bytes} bytes of JSON, more than the limit of ${maxBytes}. Store large data elsewhere (a file or object store) and pass a reference, or raise maxPayloadBytes.`,
    );
  }
  return text;
}

function notJson(path: string, problem: string): SpoolError {
  return new SpoolError(
    'SPOOL_PAYLOAD_NOT_JSON',
    `${path} ${problem}, which JSON cannot represent. Pass plain objects, arrays, strings, finite numbers, booleans and null.`,
  );
}

function assertJsonValue(value: unknown, path: string, seen: Set<object>): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw notJson(path, `is ${value}`);
      return;
    case 'undefined':
      if (seen.size > 0) throw notJson(path, 'is undefined');
      return;
    case 'bigint':
      throw notJson(path, 'is a BigInt (convert it to a string)');
    case 'function':
      throw notJson(path, 'is a function');
    case 'symbol':
      throw notJson(path, 'is a symbol');
  }
  if (value === null) return;
  const object = value as object;
  if (object instanceof Date) return; // serialises as an ISO string, which is what people expect
  if (seen.has(object)) throw notJson(path, 'refers back to itself (a cycle)');
  seen.add(object);
  if (Array.isArray(object)) {
    for (const [index, item] of object.entries()) assertJsonValue(item, `${path}[${index}]`, seen);
  } else {
    const proto = Object.getPrototypeOf(object);
    if (proto !== Object.prototype && proto !== null) {
      const kind = (object as { constructor?: { name?: string } }).constructor?.name ?? 'object';
      throw notJson(path, `is a ${kind} instance`);
    }
    for (const [key, item] of Object.entries(object)) {
      // JSON.stringify drops undefined properties; that is what callers mean by "not set".
      if (item !== undefined) assertJsonValue(item, `${path}.${key}`, seen);
    }
  }
  seen.delete(object);
}
