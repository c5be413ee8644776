/**
 * A modal that asks before a destructive or bulk action, built on <dialog> so focus and Escape
 * behave. The action runs only on the explicit confirm button.
 */
import { useEffect, useRef, useState } from 'react';

export interface ConfirmRequest {
  title: string;
  body: string;
  confirmLabel: string;
  danger?: boolean;
  run(): Promise<void>;
}

export function ConfirmDialog({ request, onClose }: { request: ConfirmRequest | null; onClose(): void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (request && !dialog.open) {
      setError(null);
      dialog.showModal();
    }
    if (!request && dialog.open) dialog.close();
  }, [request]);

  const confirm = async () => {
    if (!request) return;
    setBusy(true);
    setError(null);
    try {
      await request.run();
      onClose();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <dialog ref={ref} className="dialog" onClose={onClose} aria-labelledby="confirm-title">
      {request ? (
        <>
          <h2 id="confirm-title">{request.title}</h2>
          <p>{request.body}</p>
          {error ? (
            <p className="dialog-error" role="alert">
              {error}
            </p>
          ) : null}
          <div className="dialog-actions">
            <button type="button" className="button" onClick={onClose} disabled={busy}>
              Go back
            </button>
            <button
              type="button"
              className={`button ${request.danger ? 'button-danger' : 'button-primary'}`}
              onClick={confirm}
              disabled={busy}
            >
              {busy ? 'Working…' : request.confirmLabel}
            </button>
          </div>
        </>
      ) : null}
    </dialog>
  );
}
