/** @module Spool on its embedded SQLite store: one file in a temp folder, deleted by setup. */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { sqliteDir } from '../config.js';
import { spoolSystem } from './spool-common.js';

const file = join(sqliteDir, 'spool-bench.db');

async function wipe(): Promise<void> {
  await mkdir(sqliteDir, { recursive: true });
  for (const suffix of ['', '-wal', '-shm']) await rm(file + suffix, { force: true });
}

export const system = spoolSystem(() => `sqlite:${file}`, wipe, `SQLite file ${file} (WAL, synchronous NORMAL)`);
