/**
 * @module
 * Whether a process on this machine still runs, for the SQLite store's dead-worker check (one
 * file, one machine). A pid alone is not enough: the kernel reuses pids, so each row also keeps
 * its process's start time (clock ticks since boot, from /proc/<pid>/stat on Linux), and a pid
 * now held by a process that started at another time counts as gone. A zombie (killed, not yet
 * reaped by its parent) counts as gone too. Where /proc is missing the start time is unknown and
 * only the pid is checked.
 */
import { readFileSync } from 'node:fs';

/** What /proc says of `pid`: gone, or alive and when it started (null where /proc is missing). */
type Seen = { alive: false } | { alive: true; start: number | null };

function readStat(pid: number): Seen | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return existsInProc() ? { alive: false } : undefined;
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: fields are read after the last ")".
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  if (state === 'Z' || state === 'X') return { alive: false };
  const start = Number(fields[19]);
  return { alive: true, start: Number.isFinite(start) ? start : null };
}

let procMounted: boolean | undefined;
function existsInProc(): boolean {
  if (procMounted === undefined) {
    try {
      readFileSync('/proc/self/stat');
      procMounted = true;
    } catch {
      procMounted = false;
    }
  }
  return procMounted;
}

/** Without /proc: signal 0 checks the pid exists (EPERM: it exists, owned by another user). */
function signalZero(pid: number): Seen {
  try {
    process.kill(pid, 0);
    return { alive: true, start: null };
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? { alive: true, start: null } : { alive: false };
  }
}

function look(pid: number): Seen {
  return readStat(pid) ?? signalZero(pid);
}

/** This process's start time, as rows record it; null where it cannot be read. */
export function ownProcessStart(): number | null {
  const seen = look(process.pid);
  return seen.alive ? seen.start : null;
}

/** True when the process `pid` that started at `start` (null: unknown) no longer runs on this machine. */
export function processGone(pid: number, start: number | null): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const seen = look(pid);
  if (!seen.alive) return true;
  return start !== null && seen.start !== null && seen.start !== start;
}
