/**
 * @module
 * `spool status <group-id>` and `--watch`: one line and one progress bar for a whole group
 * (finished of total, counts per status, ETA), redrawn as it changes until every job is final.
 */
import type { GroupStatus } from '../client/groups.js';
import type { Backend } from './backend.js';
import { CliError, exitCodes } from './exit-codes.js';
import { LiveLine, type Out, bar, printJson } from './output.js';

/** `group grp_…  [##########..............]  40%  4/10 finished (completed 3, failed 1; 6 waiting)  ETA 12:05:00`. */
export function groupLine(group: GroupStatus): string {
  const { counts } = group;
  const finals = (['completed', 'failed', 'cancelled', 'expired'] as const).filter((s) => counts[s] > 0).map((s) => `${s} ${counts[s]}`);
  const open = (['active', 'waiting'] as const).filter((s) => counts[s] > 0).map((s) => `${counts[s]} ${s}`);
  const detail = [finals.join(', '), open.join(', ')].filter(Boolean).join('; ');
  const eta = group.eta === null ? '' : `  ETA ${new Date(group.eta).toISOString().slice(11, 19)} UTC`;
  return `group ${group.id}  ${bar(group.progress)} ${String(Math.round(group.progress)).padStart(3)}%  ${group.finished}/${group.total} finished${detail ? ` (${detail})` : ''}${eta}`;
}

/** 0 when every job completed, 1 when any failed, was cancelled or expired. */
function exitFor(group: GroupStatus): number {
  return group.counts.failed + group.counts.cancelled + group.counts.expired === 0 ? exitCodes.ok : exitCodes.failed;
}

export async function showGroup(backend: Backend, id: string, o: Out): Promise<number> {
  const group = await backend.group(id);
  if (o.json) printJson(o, group);
  else o.stdout.write(`${groupLine(group)}\n`);
  return group.done ? exitFor(group) : exitCodes.ok;
}

/** Polls the group twice a second, redrawing one line, until every job is final. */
export async function watchGroup(backend: Backend, id: string, o: Out): Promise<number> {
  let stopped = false;
  const onSignal = () => {
    stopped = true;
  };
  process.once('SIGINT', onSignal);
  const line = new LiveLine(o.stderr);
  let last = '';
  try {
    for (;;) {
      const group = await backend.group(id);
      const text = groupLine(group);
      if (text !== last) {
        if (o.json) o.stdout.write(`${JSON.stringify(group)}\n`);
        else line.update(text);
        last = text;
      }
      if (group.done) {
        line.end();
        if (!o.json) o.stderr.write(`group ${id} finished: ${group.counts.completed} of ${group.total} completed\n`);
        return exitFor(group);
      }
      if (stopped) throw new CliError('stopped watching', 130);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    line.end();
    process.off('SIGINT', onSignal);
  }
}
