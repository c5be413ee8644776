/** @module Loads a system's module by name, lazily, so a system that fails to load does not stop the others. */
import type { SystemModule, SystemName } from '../types.js';

export interface SystemInfo {
  name: SystemName;
  label: string;
  isSpool: boolean;
  /** Runs on PostgreSQL, so it takes part in the scale-out workload. */
  postgres: boolean;
}

export const queueSystems: SystemInfo[] = [
  { name: 'spool-sqlite', label: 'Spool (SQLite)', isSpool: true, postgres: false },
  { name: 'spool-postgres', label: 'Spool (PostgreSQL)', isSpool: true, postgres: true },
  { name: 'bullmq', label: 'BullMQ (Redis)', isSpool: false, postgres: false },
  { name: 'pg-boss', label: 'pg-boss', isSpool: false, postgres: true },
  { name: 'graphile-worker', label: 'graphile-worker', isSpool: false, postgres: true },
];

export const rawSql: SystemInfo = { name: 'raw-sql', label: 'raw SQL (pg)', isSpool: false, postgres: true };

const loaders: Record<SystemName, () => Promise<{ system: SystemModule }>> = {
  'spool-sqlite': () => import('./spool-sqlite.js'),
  'spool-postgres': () => import('./spool-postgres.js'),
  bullmq: () => import('./bullmq.js'),
  'pg-boss': () => import('./pg-boss.js'),
  'graphile-worker': () => import('./graphile-worker.js'),
  'raw-sql': () => import('./raw-sql.js'),
};

export function isSystemName(name: string): name is SystemName {
  return Object.hasOwn(loaders, name);
}

export async function loadSystem(name: SystemName): Promise<SystemModule> {
  return (await loaders[name]()).system;
}
