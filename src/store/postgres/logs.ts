/**
 * @module
 * Each job's own log on PostgreSQL (the store's `logs` part). An append is one statement that
 * inserts its lines (none when the job is gone) and counts the job's lines; only a job over its
 * cap takes a second, which deletes the oldest lines and folds them, and any marker before them,
 * into one marker line at the place of the last line dropped. Two appends to one job at once (two
 * workers after a lost lease) may leave its log a line or two over the cap until the next append.
 */
import type pg from 'pg';
import { type LogsPart, toLogLine } from '../contract-logs.js';
import { toStoreError } from './connection-errors.js';

export interface PostgresLogsAccess {
  pool: pg.Pool;
  schema: string;
  where: string;
}

function logsStatements(schema: string) {
  const jobs = `"${schema}".jobs`;
  const logs = `"${schema}".job_logs`;
  return {
    /** $1 job, then one array per column, in order (a marker first when the writer dropped lines). */
    append: `
      WITH j AS (SELECT id FROM ${jobs} WHERE id = $1),
      ins AS (
        INSERT INTO ${logs} (job_id, attempt, level, message, fields, at, dropped)
        SELECT j.id, l.attempt, l.level, l.message, l.fields, l.at, l.dropped
        FROM j, unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::int[]) WITH ORDINALITY
          AS l(attempt, level, message, fields, at, dropped, n)
        ORDER BY l.n
        RETURNING 1)
      SELECT (SELECT count(*) FROM ins) AS stored,
             (SELECT count(*) FROM ${logs} WHERE job_id = $1 AND dropped IS NULL) AS before`,
    /** $1 job, $2 cap: keeps the newest $2 lines, one marker before them counting all that went. */
    trim: `
      WITH first AS (
        SELECT coalesce(
          (SELECT seq FROM ${logs} WHERE job_id = $1 AND dropped IS NULL ORDER BY seq DESC OFFSET $2::int - 1 LIMIT 1),
          (SELECT min(seq) FROM ${logs} WHERE job_id = $1 AND dropped IS NULL)) AS seq),
      gone AS (DELETE FROM ${logs} WHERE job_id = $1 AND seq < (SELECT seq FROM first) RETURNING seq, attempt, at, dropped),
      last AS (SELECT seq, attempt, at FROM gone ORDER BY seq DESC LIMIT 1)
      INSERT INTO ${logs} (seq, job_id, attempt, level, message, fields, at, dropped)
      SELECT last.seq, $1, last.attempt, 'warn', '', NULL, last.at, (SELECT sum(coalesce(dropped, 1)) FROM gone) FROM last
      ON CONFLICT (seq) DO NOTHING`,
    list: `SELECT seq, level, message, fields, attempt, at, dropped FROM ${logs} WHERE job_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
    last: `SELECT coalesce(max(seq), 0) AS seq FROM ${logs} WHERE job_id = $1`,
  };
}

const isId = (id: string) => /^\d{1,19}$/.test(id);

export function postgresLogs(access: PostgresLogsAccess): LogsPart {
  const statements = logsStatements(access.schema);
  const run = async <T>(name: keyof typeof statements, values: unknown[]): Promise<T[]> => {
    try {
      return (await access.pool.query({ name: `${access.schema}.logs.${name}`, text: statements[name], values })).rows as T[];
    } catch (err) {
      throw toStoreError(err, access.where);
    }
  };
  return {
    async append(jobId, lines, cap, dropped = 0) {
      if (!isId(jobId) || (lines.length === 0 && dropped === 0)) return 0;
      const rows =
        dropped > 0
          ? [{ attempt: lines[0]?.attempt ?? 1, level: 'warn', message: '', fields: null, at: lines[0]?.at ?? 0 }, ...lines]
          : lines;
      const column = <K extends keyof (typeof rows)[number]>(key: K) => rows.map((row) => row[key]);
      let result: { stored: string; before: string } | undefined;
      try {
        [result] = await run<{ stored: string; before: string }>('append', [
          jobId,
          column('attempt'),
          column('level'),
          column('message'),
          column('fields'),
          column('at'),
          rows.map((_, i) => (dropped > 0 && i === 0 ? dropped : null)),
        ]);
      } catch (err) {
        // Deleted between the check and the insert: its lines go with it.
        if ((err as { code?: string }).code === '23503') return 0;
        throw err;
      }
      const stored = Number(result?.stored ?? 0);
      if (stored === 0) return 0;
      const total = Number(result?.before ?? 0) + stored - (dropped > 0 ? 1 : 0);
      if (total > cap || dropped > 0) await run('trim', [jobId, cap]);
      return lines.length;
    },

    async list(jobId, { after = 0, limit }) {
      if (!isId(jobId)) return [];
      return (await run<Parameters<typeof toLogLine>[0]>('list', [jobId, after, limit])).map(toLogLine);
    },

    async lastSeq(jobId) {
      if (!isId(jobId)) return 0;
      const [row] = await run<{ seq: string }>('last', [jobId]);
      return Number(row?.seq ?? 0);
    },
  };
}
