/**
 * @module
 * Each job's own log on SQLite (the store's `logs` part). An append inserts its lines and trims
 * the job to its newest `cap` lines in one IMMEDIATE transaction; the lines trimmed, and any
 * marker before them, fold into one marker line at the place of the last line dropped, so the
 * marker always comes before the lines kept.
 */
import type Database from 'better-sqlite3';
import { type LogLine, type LogsPart, toLogLine } from '../contract-logs.js';
import { numbered } from './binding.js';

export interface SqliteLogsAccess {
  db: Database.Database;
  prepare(text: string): Database.Statement;
  guard<T>(operation: () => T): Promise<T>;
}

const statements = {
  exists: 'SELECT 1 FROM spool_jobs WHERE id = ?',
  /** ?1 job, ?2 attempt, ?3 level, ?4 message, ?5 fields, ?6 at, ?7 dropped (the marker) or null. */
  insert: 'INSERT INTO spool_job_logs (job_id, attempt, level, message, fields, at, dropped) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)',
  count: 'SELECT count(*) AS n FROM spool_job_logs WHERE job_id = ? AND dropped IS NULL',
  /** The oldest line to keep: the cap-th newest (?2 = cap - 1), or the oldest when fewer are kept. */
  firstKept: `
    SELECT coalesce(
      (SELECT seq FROM spool_job_logs WHERE job_id = ?1 AND dropped IS NULL ORDER BY seq DESC LIMIT 1 OFFSET ?2),
      (SELECT min(seq) FROM spool_job_logs WHERE job_id = ?1 AND dropped IS NULL)) AS seq`,
  /** What goes: the last row before ?2 (where the marker will stand) and how many lines it all counts for. */
  gone: `
    SELECT seq, attempt, at, (SELECT sum(coalesce(dropped, 1)) FROM spool_job_logs WHERE job_id = ?1 AND seq < ?2) AS total
    FROM spool_job_logs WHERE job_id = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT 1`,
  trim: 'DELETE FROM spool_job_logs WHERE job_id = ?1 AND seq < ?2',
  marker: `INSERT INTO spool_job_logs (seq, job_id, attempt, level, message, fields, at, dropped) VALUES (?1, ?2, ?3, 'warn', '', NULL, ?4, ?5)`,
  list: 'SELECT seq, level, message, fields, attempt, at, dropped FROM spool_job_logs WHERE job_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3',
  last: 'SELECT coalesce(max(seq), 0) AS seq FROM spool_job_logs WHERE job_id = ?',
} as const;

const isId = (id: string) => /^\d{1,19}$/.test(id);

export function sqliteLogs(access: SqliteLogsAccess): LogsPart {
  const { db, prepare, guard } = access;
  const sql = (name: keyof typeof statements) => prepare(statements[name]);
  return {
    append(jobId, lines, cap, dropped = 0) {
      if (!isId(jobId) || (lines.length === 0 && dropped === 0)) return Promise.resolve(0);
      const write = db.transaction((): number => {
        if (sql('exists').get(jobId) === undefined) return 0;
        const insert = sql('insert');
        // Lines the writer let go come before the lines it hands over: a marker first, merged below.
        if (dropped > 0) {
          const first = lines[0];
          insert.run(numbered(jobId, first?.attempt ?? 1, 'warn', '', null, first?.at ?? 0, dropped));
        }
        for (const l of lines) insert.run(numbered(jobId, l.attempt, l.level, l.message, l.fields, l.at, null));
        const { n } = sql('count').get(jobId) as { n: number };
        if (n > cap || dropped > 0) {
          const { seq: firstKept } = sql('firstKept').get(numbered(jobId, Math.max(0, cap - 1))) as { seq: number | null };
          if (firstKept !== null) {
            const gone = sql('gone').get(numbered(jobId, firstKept)) as
              | { seq: number; attempt: number; at: number; total: number }
              | undefined;
            if (gone) {
              sql('trim').run(numbered(jobId, firstKept));
              sql('marker').run(numbered(gone.seq, jobId, gone.attempt, gone.at, gone.total));
            }
          }
        }
        return lines.length;
      });
      return guard(() => write.immediate());
    },

    list(jobId, { after = 0, limit }) {
      if (!isId(jobId)) return Promise.resolve([]);
      return guard(() => (sql('list').all(numbered(jobId, after, limit)) as Parameters<typeof toLogLine>[0][]).map(toLogLine) as LogLine[]);
    },

    lastSeq(jobId) {
      if (!isId(jobId)) return Promise.resolve(0);
      return guard(() => Number((sql('last').get(jobId) as { seq: number }).seq));
    },
  };
}
