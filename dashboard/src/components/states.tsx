/** What a screen shows while loading, on an error, and when there is nothing to show. */
import type { ReactNode } from 'react';

export function Loading({ what }: { what: string }) {
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      Loading {what}…
    </div>
  );
}

export function ErrorNotice({ error, onRetry, stale = false }: { error: Error; onRetry?: () => void; stale?: boolean }) {
  return (
    <div className={`state state-error${stale ? ' state-stale' : ''}`} role="alert">
      <strong>{stale ? 'Showing the last data we got. ' : 'Something went wrong. '}</strong>
      {error.message}
      {onRetry ? (
        <button type="button" className="button button-small" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty">
      <strong>{title}</strong>
      {children ? <div className="state-help">{children}</div> : null}
    </div>
  );
}
