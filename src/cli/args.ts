/** Parsers for command-line values; each throws a usage error (exit 2) naming the flag. */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError as CommanderInvalidArgument } from 'commander';
import { jobStatuses } from '../core/types.js';

export function jobId(value: string): string {
  if (!/^\d{1,19}$/.test(value))
    throw new CommanderInvalidArgument(`"${value}" is not a job id; ids are the digits printed by \`spool enqueue\`.`);
  return value;
}

export function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new CommanderInvalidArgument(`"${value}" is not a whole number.`);
  return n;
}

export function status(value: string): string {
  if (!(jobStatuses as readonly string[]).includes(value)) throw new CommanderInvalidArgument(`use one of ${jobStatuses.join(', ')}.`);
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
