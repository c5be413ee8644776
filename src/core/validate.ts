/**
 * @module
 * JSON that Spool stores: payloads, metadata and results are checked before anything is written,
 * walking the value without recursion (a payload nested 5,000 levels deep gets an error, not a
 * stack overflow), naming the path of the first bad value (`payload.items[2].at is a BigInt`).
 *
 * Text a database cannot store (NUL characters, which PostgreSQL's jsonb refuses, and unpaired
 * surrogates, which are not Unicode) is refused in what callers send, so they learn at once;
 * in what handlers produce (results, error messages, progress) it is replaced by U+FFFD, so a
 * finished job's outcome is never lost to one odd character.
 */
import { SpoolError } from './errors.js';

/** The deepest nesting a stored JSON value may have. */
export const maxJsonDepth = 64;

export type TextPolicy = 'refuse' | 'sanitize';

/**
 * Serialises a payload (or result) to JSON, refusing values JSON would silently change or drop,
 * with the path of the offending value in the message.
 */
export function toJson(value: unknown, what: string, maxBytes: number, text: TextPolicy = 'refuse', context?: string): string {
  try {
    let checked = value;
    if (text === 'sanitize') checked = sanitizeJsonValue(value, what);
    else assertJsonValue(value, what);
    let json: string;
    try {
      json = JSON.stringify(checked === undefined ? null : checked);
    } catch (err) {
      throw notJson(what, `could not be serialised (${(err as Error).message})`);
    }
    const bytes = Buffer.byteLength(json);
    if (bytes > maxBytes) {
      throw new SpoolError(
        'SPOOL_PAYLOAD_TOO_LARGE',
        `The ${what} is ${bytes} bytes of JSON, more than the limit of ${maxBytes}. Store large data elsewhere (a file or object store) and pass a reference, or raise maxPayloadBytes.`,
      );
    }
    return json;
  } catch (err) {
    if (context && err instanceof SpoolError) throw new SpoolError(err.code, `${err.message.replace(/\.$/, '')} (${context}).`);
    throw err;
  }
}

/** Replaces NUL characters and unpaired surrogates, which a database cannot store, with U+FFFD. */
export function sanitizeText(text: string): string {
  if (!text.includes('\u0000') && text.isWellFormed()) return text;
  return text.toWellFormed().replaceAll('\u0000', '\uFFFD');
}

function notJson(path: string, problem: string): SpoolError {
  return new SpoolError(
    'SPOOL_PAYLOAD_NOT_JSON',
    `${path} ${problem}, which JSON cannot represent. Pass plain objects, arrays, strings, finite numbers, booleans and null.`,
  );
}

function badText(path: string): SpoolError {
  return new SpoolError(
    'SPOOL_PAYLOAD_NOT_JSON',
    `${path} contains a NUL character (\\u0000) or an unpaired surrogate, which a database cannot store as text. Remove it, or encode binary data as base64.`,
  );
}

interface Frame {
  value: unknown;
  path: string;
  depth: number;
}

/** Checks every value of a JSON tree, iteratively; throws a SpoolError naming the first bad one. */
function assertJsonValue(root: unknown, rootPath: string): void {
  if (root === undefined) return;
  const stack: Frame[] = [{ value: root, path: rootPath, depth: 0 }];
  const onPath = new Set<object>();
  // Objects are left (removed from `onPath`) after their children: a marker frame does that.
  const leave: { object: object; after: number }[] = [];
  while (stack.length > 0) {
    while (leave.length > 0 && (leave.at(-1) as { after: number }).after >= stack.length) {
      onPath.delete((leave.pop() as { object: object }).object);
    }
    const { value, path, depth } = stack.pop() as Frame;
    switch (typeof value) {
      case 'string':
        if (!value.isWellFormed() || value.includes('\u0000')) throw badText(path);
        continue;
      case 'boolean':
        continue;
      case 'number':
        if (!Number.isFinite(value)) throw notJson(path, `is ${value}`);
        continue;
      case 'undefined':
        throw notJson(path, 'is undefined');
      case 'bigint':
        throw notJson(path, 'is a BigInt (convert it to a string)');
      case 'function':
        throw notJson(path, 'is a function');
      case 'symbol':
        throw notJson(path, 'is a symbol');
    }
    if (value === null) continue;
    const object = value as object;
    if (object instanceof Date) continue; // serialises as an ISO string, which is what people expect
    if (onPath.has(object)) throw notJson(path, 'refers back to itself (a cycle)');
    if (depth >= maxJsonDepth) throw notJson(path, `is nested more than ${maxJsonDepth} levels deep`);
    onPath.add(object);
    leave.push({ object, after: stack.length });
    for (const [key, item] of entriesOf(object, path)) {
      // JSON.stringify drops undefined properties; that is what callers mean by "not set".
      if (item === undefined && !Array.isArray(object)) continue;
      if (typeof key === 'string' && (!key.isWellFormed() || key.includes('\u0000'))) throw badText(`${path} (a key)`);
      stack.push({ value: item, path: typeof key === 'number' ? `${path}[${key}]` : `${path}.${key}`, depth: depth + 1 });
    }
  }
}

/** The entries of a plain object or array; a class instance or a throwing getter is refused by path. */
function entriesOf(object: object, path: string): [string | number, unknown][] {
  if (Array.isArray(object)) {
    const out: [number, unknown][] = [];
    for (let index = object.length - 1; index >= 0; index--) out.push([index, readProperty(object, index, `${path}[${index}]`)]);
    return out;
  }
  const proto = Object.getPrototypeOf(object);
  if (proto !== Object.prototype && proto !== null) {
    const kind = (object as { constructor?: { name?: string } }).constructor?.name ?? 'object';
    throw notJson(path, `is a ${kind} instance`);
  }
  const keys = Object.keys(object);
  const out: [string, unknown][] = [];
  for (let index = keys.length - 1; index >= 0; index--) {
    const key = keys[index] as string;
    out.push([key, readProperty(object, key, `${path}.${key}`)]);
  }
  return out;
}

function readProperty(object: object, key: string | number, path: string): unknown {
  try {
    return (object as Record<string | number, unknown>)[key];
  } catch (err) {
    throw notJson(path, `could not be read (its getter threw: ${(err as Error)?.message ?? String(err)})`);
  }
}

/**
 * A copy of a handler's output with unstorable text replaced; values JSON cannot represent are
 * still refused (the handler returned something that is not JSON).
 */
function sanitizeJsonValue(root: unknown, rootPath: string): unknown {
  try {
    assertJsonValue(root, rootPath);
    return root;
  } catch (err) {
    if (!(err instanceof SpoolError) || !/NUL character/.test(err.message)) throw err;
  }
  return JSON.parse(
    JSON.stringify(root, (_key, value: unknown) => {
      if (typeof value === 'string') return sanitizeText(value);
      if (value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date)) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [sanitizeText(k), v]));
      }
      return value;
    }),
  );
}
