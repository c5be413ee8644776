/**
 * A job's own log: the lines its handler logged with `ctx.log`, every attempt's, oldest first,
 * with level, time, attempt, message and fields. While the job runs it reads the lines after the
 * last one it has every 1.5 s; once the job is final it reads once more (the last lines are
 * stored before the outcome) and stops.
 */
import { useEffect, useRef, useState } from 'react';
import type { Api } from '../api/client.js';
import type { JobView, LogLineView } from '../api/types.js';
import { timestamp } from '../lib/format.js';
import { ErrorNotice } from './states.js';

const pollMs = 1_500;
const page = 1_000;
/** Lines shown at most: a long follow keeps the newest. */
const keep = 2_000;

export function JobLog({ api, id, status }: { api: Api; id: string; status: JobView['status'] }) {
  const [lines, setLines] = useState<LogLineView[]>([]);
  const [error, setError] = useState<Error | null>(null);
  const after = useRef({ id, seq: 0 });
  const final = status !== 'waiting' && status !== 'active';

  useEffect(() => {
    if (after.current.id !== id) {
      after.current = { id, seq: 0 };
      setLines([]);
    }
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        for (;;) {
          const path = `/v1/jobs/${encodeURIComponent(id)}/logs?after=${after.current.seq}&limit=${page}`;
          const got = await api.get<{ lines: LogLineView[]; next: number }>(path, controller.signal);
          if (controller.signal.aborted) return;
          if (got.lines.length > 0) {
            after.current = { id, seq: got.next };
            setLines((shown) => [...shown, ...got.lines].slice(-keep));
          }
          if (got.lines.length < page) break;
        }
        setError(null);
      } catch (err) {
        if (controller.signal.aborted) return;
        setError(err as Error);
      }
      if (!final) timer = setTimeout(load, pollMs);
    };
    void load();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [api, id, final]);

  return (
    <div className="card" data-testid="job-log">
      <h2>Log</h2>
      {error ? <ErrorNotice error={error} stale /> : null}
      {lines.length === 0 ? (
        <p className="muted">
          {final ? 'Its handler logged nothing.' : 'Nothing logged yet.'} Lines a handler logs with <code>ctx.log</code> show here.
        </p>
      ) : (
        <ol className="job-log">
          {lines.map((line) => (
            <li key={line.seq} className={`log-line log-${line.level}`} data-seq={line.seq}>
              <time dateTime={new Date(line.at).toISOString()}>{timestamp(line.at)}</time>
              <span className={`log-level log-level-${line.level}`}>{line.level}</span>
              <span className="muted small" title={`Attempt ${line.attempt}`}>
                #{line.attempt}
              </span>
              <span className="log-message">{line.message}</span>
              {line.fields && line.dropped === undefined ? <code className="log-fields">{JSON.stringify(line.fields)}</code> : null}
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
