import { describe, expect, it } from 'vitest';
import { toMs } from '../../src/core/duration.js';
import { isSpoolError } from '../../src/core/errors.js';
import { assertName } from '../../src/core/names.js';
import { toJson } from '../../src/core/validate.js';

describe('toJson', () => {
  it('serialises plain data and Dates', () => {
    expect(toJson({ a: [1, 'x', null, true], at: new Date(0) }, 'payload', 1_000)).toBe(
      '{"a":[1,"x",null,true],"at":"1970-01-01T00:00:00.000Z"}',
    );
    expect(toJson(undefined, 'payload', 100)).toBe('null');
  });

  it.each([
    [{ n: 10n }, 'payload.n is a BigInt'],
    [{ list: [1, () => 1] }, 'payload.list[1] is a function'],
    [{ m: new Map() }, 'payload.m is a Map instance'],
    [{ x: Number.NaN }, 'payload.x is NaN'],
    [{ nested: { s: Symbol('s') } }, 'payload.nested.s is a symbol'],
  ])('refuses %o, naming the path', (value, message) => {
    try {
      toJson(value, 'payload', 1_000);
      expect.unreachable();
    } catch (err) {
      expect(isSpoolError(err, 'SPOOL_PAYLOAD_NOT_JSON')).toBe(true);
      expect((err as Error).message).toContain(message);
    }
  });

  it('refuses cycles and oversize values', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => toJson(cyclic, 'payload', 1_000)).toThrow(/cycle/);
    expect(() => toJson('x'.repeat(100), 'payload', 50)).toThrow(/more than the limit of 50/);
  });

  it('allows the same object twice when it is not a cycle', () => {
    const shared = { a: 1 };
    expect(toJson({ x: shared, y: shared }, 'payload', 1_000)).toBe('{"x":{"a":1},"y":{"a":1}}');
  });
});

describe('assertName', () => {
  it('accepts ordinary names and refuses the rest with the rule in the message', () => {
    expect(assertName('emails.v2:eu-west_1', 'queue')).toBe('emails.v2:eu-west_1');
    for (const bad of ['', ' spaces ', '-lead', 'a/b', 'x'.repeat(129), 42]) {
      expect(() => assertName(bad, 'queue')).toThrow(/Invalid queue .*use 1 to 128 letters/);
    }
  });
});

describe('toMs', () => {
  it('reads numbers and unit strings', () => {
    expect([toMs(250, 'd'), toMs('500ms', 'd'), toMs('30s', 'd'), toMs('5m', 'd'), toMs('2h', 'd'), toMs('1.5d', 'd')]).toEqual([
      250, 500, 30_000, 300_000, 7_200_000, 129_600_000,
    ]);
  });

  it('refuses negatives and nonsense, naming the option', () => {
    expect(() => toMs(-1, 'delay')).toThrow(/delay must be a duration of 0 or more/);
    expect(() => toMs('soon' as never, 'timeout')).toThrow(/timeout must be milliseconds, or a string such as/);
  });
});
