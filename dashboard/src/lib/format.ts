/** Formatting for people: ages, durations, times, progress, when a waiting job runs. Pure functions (unit-tested). */
import type { JobView, Progress } from '../api/types.js';
import { inWords } from '../../../src/core/user-messages.js';

/** "1s", "42s", "5m", "3h", "2d": how long ago `at` was. */
export function age(at: number, now: number): string {
  return duration(Math.max(1_000, now - at), true);
}

/** A compact duration: "850ms", "42s", "5m 10s", "3h 5m", "2d 4h". */
export function duration(ms: number, rough = false): string {
  if (ms < 1_000) return rough ? 'just now' : `${Math.round(ms)}ms`;
  const s = Math.floor(ms / 1_000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return rough || s % 60 === 0 ? `${m}m` : `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return rough || m % 60 === 0 ? `${h}h` : `${h}h ${m % 60}m`;
  const d = Math.floor(h / 24);
  return rough || h % 24 === 0 ? `${d}d` : `${d}d ${h % 24}h`;
}

/** A local date and time to the second, such as "2026-11-25 11:42:07". */
export function timestamp(at: number): string {
  const d = new Date(at);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** 0..100 for any progress value, or null without progress. */
export function percent(progress: Progress | null): number | null {
  if (!progress) return null;
  const { value } = progress;
  const raw = typeof value === 'number' ? value : value.total > 0 ? (value.done / value.total) * 100 : 0;
  return Math.max(0, Math.min(100, raw));
}

/** "3 of 4" for counted progress, "75%" for a percentage. */
export function progressLabel(progress: Progress): string {
  const { value } = progress;
  return typeof value === 'number' ? `${Math.round(value)}%` : `${value.done} of ${value.total}`;
}

/** A whole number with thousands separators. */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** JSON for a person to read; `null` and absent values become a dash. */
export function prettyJson(value: unknown): string {
  return value === null || value === undefined ? '—' : JSON.stringify(value, null, 2);
}

/** "14:05" today, "Nov 27, 14:05" another day: when something happens, in local time. */
export function clockTime(at: number, now: number): string {
  const d = new Date(at);
  const hm = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  if (new Date(now).toDateString() === d.toDateString()) return hm;
  return `${d.toLocaleDateString('en-US', { month: 'short', day: 'numeric' })}, ${hm}`;
}

/**
 * What a waiting job is waiting for, or null when it is simply next in line: "retrying in 40 s"
 * after a failed attempt, "scheduled for 14:05" when it was enqueued with a delay or a run time.
 */
export function waitingFor(job: Pick<JobView, 'status' | 'runAt' | 'errors' | 'finishedAt'>, now: number): string | null {
  if (job.status !== 'waiting') return null;
  const retrying = job.errors.length > 0 && job.finishedAt === null;
  if (job.runAt <= now) return retrying ? 'retrying now' : null;
  return retrying ? `retrying ${inWords(job.runAt - now)}` : `scheduled for ${clockTime(job.runAt, now)}`;
}

/** The text of an error a reader may see: the developer's message for admins, else the user's. */
export function errorText(error: { message?: string; userMessage: string }): string {
  return error.message ?? error.userMessage;
}
