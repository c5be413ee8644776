/**
 * Asks an admin before pausing a queue, and whether to refuse new jobs while it is paused (by
 * default they keep arriving and wait). Pauses only on the explicit confirm button. Built on
 * <dialog>, like ConfirmDialog.
 */
import { type FormEvent, useEffect, useRef, useState } from 'react';

export interface PauseRequest {
  queue: string;
  /** What the queue does now while paused, as the default. */
  refuse: boolean;
}

export function PauseDialog({
  request,
  onClose,
  pause,
}: {
  request: PauseRequest | null;
  onClose(): void;
  pause(queue: string, refuse: boolean): Promise<void>;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [refuse, setRefuse] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (request && !dialog.open) {
      setError(null);
      setRefuse(request.refuse);
      dialog.showModal();
    }
    if (!request && dialog.open) dialog.close();
  }, [request]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!request) return;
    setBusy(true);
    setError(null);
    try {
      await pause(request.queue, refuse);
      onClose();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <dialog ref={ref} className="dialog" onClose={onClose} aria-labelledby="pause-title">
      {request ? (
        <form onSubmit={submit} className="replay-form">
          <h2 id="pause-title">Pause {request.queue}?</h2>
          <p>No process claims its jobs until you resume it; jobs running now finish.</p>
          <label className="check">
            <input type="checkbox" checked={refuse} onChange={(e) => setRefuse(e.target.checked)} />
            Also refuse new jobs while paused (producers get 503 with Retry-After)
          </label>
          <p className="muted small">
            {refuse ? 'Enqueueing fails until it is resumed.' : 'New jobs are still accepted and wait until it is resumed.'}
          </p>
          {error ? (
            <p className="dialog-error" role="alert">
              {error}
            </p>
          ) : null}
          <div className="dialog-actions">
            <button type="button" className="button" onClick={onClose} disabled={busy}>
              Go back
            </button>
            <button type="submit" className="button button-danger" disabled={busy}>
              {busy ? 'Pausing…' : `Pause ${request.queue}`}
            </button>
          </div>
        </form>
      ) : null}
    </dialog>
  );
}
