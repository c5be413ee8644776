/** @module Drops and recreates one benchmark database on the local PostgreSQL. */
import pg from 'pg';
import { databaseName, pgAdminUrl } from './config.js';

/** Drops `database` (closing its connections) and creates it empty. */
export async function recreateDatabase(base: string): Promise<void> {
  const database = databaseName(base);
  if (!/^bench_[a-z]+$/.test(database)) throw new Error(`Refusing to drop ${database}: only bench_* databases are managed here.`);
  const client = new pg.Client({ connectionString: pgAdminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${database}`);
  } finally {
    await client.end();
  }
}

/** Runs one query against the admin database and returns the first column of the first row. */
export async function adminScalar(sql: string): Promise<string> {
  const client = new pg.Client({ connectionString: pgAdminUrl });
  await client.connect();
  try {
    const { rows } = await client.query(sql);
    return String(Object.values(rows[0] ?? {})[0] ?? '');
  } finally {
    await client.end();
  }
}
