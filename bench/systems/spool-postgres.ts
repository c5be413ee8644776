/** @module Spool on its PostgreSQL store, database bench_spool, recreated by setup. */
import { pgUrl } from '../config.js';
import { recreateDatabase } from '../pg-admin.js';
import { spoolSystem } from './spool-common.js';

const database = 'bench_spool';

export const system = spoolSystem(
  () => pgUrl(database),
  () => recreateDatabase(database),
  `PostgreSQL database ${database}`,
);
