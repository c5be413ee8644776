/**
 * @module
 * Durations: milliseconds, or strings such as `500ms`, `30s`, `5m`, `2h`, `7d`. Declared once as a
 * zod schema (the library, the config file and the HTTP API share it) and read with `toMs`, which
 * bounds every value: nothing accepted here can overflow a timer or a database column later.
 */
import { z } from 'zod';
import { InvalidArgumentError } from './errors.js';

/** Milliseconds as a number, or a string such as `500ms`, `30s`, `5m`, `2h`, `7d`. */
export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd'}`;

const unitMs = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

const durationText = /^(\d{1,15}(?:\.\d{1,6})?)(ms|s|m|h|d)$/;

/** The longest duration any option takes: ten years. */
export const maxDurationMs = 10 * 365 * 86_400_000;

/** The longest a timer can wait in Node (setTimeout overflows past 2^31−1 ms and fires at once). */
export const maxTimerMs = 2 ** 31 - 1;

export const durationRule = 'milliseconds, or a string such as "500ms", "30s", "5m", "2h", "7d"';

/** A duration as the config file, the library and the HTTP API accept it. */
export const durationSchema = z.union([z.number(), z.string()]) as unknown as z.ZodType<Duration>;

/**
 * Reads a duration into whole milliseconds; `what` names the option in the error.
 * @param max the largest value allowed. @defaultValue ten years
 */
export function toMs(value: Duration, what: string, max: number = maxDurationMs): number {
  let ms: number;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      throw new InvalidArgumentError(`${what} must be a duration of 0 or more milliseconds; got ${value}.`);
    }
    ms = Math.floor(value);
  } else {
    const match = durationText.exec(String(value).trim());
    if (!match) {
      throw new InvalidArgumentError(`${what} must be ${durationRule}; got ${JSON.stringify(String(value).slice(0, 100))}.`);
    }
    ms = Math.floor(Number(match[1]) * unitMs[match[2] as keyof typeof unitMs]);
  }
  if (ms > max) {
    // The exact bound too: rounded for people, 2^31-1 ms would read as a longer "24.9 d".
    throw new InvalidArgumentError(`${what} must be at most ${max} ms (${describeMs(max)}); got ${describeMs(ms)}.`);
  }
  return ms;
}

/** A duration for people: "250 ms", "30 s", "5 min", "2.5 h", "7 d". */
export function describeMs(ms: number): string {
  if (ms < 1_000) return `${ms} ms`;
  if (ms < 60_000) return `${round(ms / 1_000)} s`;
  if (ms < 3_600_000) return `${round(ms / 60_000)} min`;
  if (ms < 86_400_000) return `${round(ms / 3_600_000)} h`;
  return `${round(ms / 86_400_000)} d`;
}

function round(n: number): string {
  return String(Math.round(n * 10) / 10);
}
