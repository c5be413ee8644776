/**
 * @module
 * Cancelling a workflow cancels the children it spawned: a child's result is only ever read by
 * its parent, so once the parent is cancelled its unfinished children are work nobody will use.
 */
import { finalStatuses } from '../core/types.js';
import type { Store } from '../store/contract.js';

/** The ids of the children `jobId` spawned, read from its `children` steps. */
async function spawnedBy(store: Store, jobId: string): Promise<string[]> {
  if (!store.steps) return [];
  const ids: string[] = [];
  for (const step of await store.steps.list(jobId)) {
    if (step.kind !== 'children') continue;
    const children = (step.detail as { children?: unknown } | null)?.children;
    if (Array.isArray(children)) for (const id of children) ids.push(String(id));
  }
  return ids;
}

/**
 * Cancels every unfinished descendant of `rootId` through `cancel` (which also aborts active
 * ones), depth first; a child spawned twice or a cycle is visited once.
 * Returns how many it cancelled.
 */
export async function cancelDescendants(store: Store, rootId: string, cancel: (id: string) => Promise<unknown>): Promise<number> {
  if (!store.steps) return 0;
  const seen = new Set<string>([rootId]);
  const pending = [rootId];
  let cancelled = 0;
  while (pending.length > 0) {
    const ids = (await spawnedBy(store, pending.pop() as string)).filter((id) => !seen.has(id));
    if (ids.length === 0) continue;
    for (const id of ids) seen.add(id);
    for (const child of await store.steps.children(ids)) {
      pending.push(child.id);
      if (finalStatuses.includes(child.status)) continue;
      await cancel(child.id);
      cancelled += 1;
    }
  }
  return cancelled;
}
