import { InvalidArgumentError } from './errors.js';

/** Milliseconds as a number, or a string such as `500ms`, `30s`, `5m`, `2h`, `7d`. */
export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd'}`;

const unitMs = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Reads a duration into milliseconds; `what` names the option in the error. */
export function toMs(value: Duration, what: string): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      throw new InvalidArgumentError(`${what} must be a duration of 0 or more milliseconds; got ${value}.`);
    }
    return Math.floor(value);
  }
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(String(value).trim());
  if (!match) {
    throw new InvalidArgumentError(
      `${what} must be milliseconds or a string like "500ms", "30s", "5m", "2h", "7d"; got ${JSON.stringify(value)}.`,
    );
  }
  return Math.floor(Number(match[1]) * unitMs[match[2] as keyof typeof unitMs]);
}
