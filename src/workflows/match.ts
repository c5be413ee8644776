/**
 * @module
 * Which events a `ctx.waitForEvent` takes: by name when given, and by payload fields that must
 * equal the match's (top level; objects and arrays compared by value).
 */
import type { Json } from '../core/types.js';
import type { EventRecord } from '../store/contract.js';

export function matchesEvent(event: EventRecord, match: Record<string, Json>, name: string | null): boolean {
  if (name !== null && event.name !== name) return false;
  const payload = event.payload;
  if (Object.keys(match).length === 0) return true;
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return false;
  return Object.entries(match).every(([field, value]) => sameJson((payload as Record<string, unknown>)[field], value));
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  return (
    keysA.length === keysB.length &&
    keysA.every((key) => sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]))
  );
}
