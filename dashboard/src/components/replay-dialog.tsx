/**
 * Asks an admin where to replay a subscription from (the beginning of the retained log, or a
 * time) and replays only on the explicit confirm button. Built on <dialog>, like ConfirmDialog.
 */
import { type FormEvent, useEffect, useRef, useState } from 'react';
import type { ReplayFrom, Subscription } from '../api/types.js';
import { timestamp } from '../lib/format.js';

export interface ReplayRequest {
  subscription: Subscription;
  /** Events the topic keeps, for the sentence; null when unknown. */
  retained: number | null;
}

const hourMs = 3_600_000;

/** `YYYY-MM-DDTHH:mm` in local time, what an <input type="datetime-local"> holds. */
function localInputValue(at: number): string {
  const d = new Date(at);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** What the replay delivers, in words. */
function replayed({ subscription, retained }: ReplayRequest, at: number | null): string {
  if (at === null) return `every event ${subscription.topic} keeps${retained === null ? '' : ` (${retained} now)`}`;
  return `the events of ${subscription.topic} published since ${Number.isNaN(at) ? '…' : timestamp(at)}`;
}

export function ReplayDialog({
  request,
  onClose,
  replay,
}: {
  request: ReplayRequest | null;
  onClose(): void;
  replay(subscription: Subscription, from: ReplayFrom): Promise<void>;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [mode, setMode] = useState<'beginning' | 'time'>('beginning');
  const [time, setTime] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (request && !dialog.open) {
      setError(null);
      setMode('beginning');
      setTime(localInputValue(Date.now() - hourMs));
      dialog.showModal();
    }
    if (!request && dialog.open) dialog.close();
  }, [request]);

  const at = mode === 'time' ? new Date(time).getTime() : null;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!request) return;
    if (at !== null && (Number.isNaN(at) || at > Date.now())) {
      setError('Pick a time in the past: a replay delivers events already published.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await replay(request.subscription, at ?? 'beginning');
      onClose();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <dialog ref={ref} className="dialog" onClose={onClose} aria-labelledby="replay-title">
      {request ? (
        <form onSubmit={submit} className="replay-form">
          <h2 id="replay-title">Replay to {request.subscription.name}</h2>
          <fieldset className="replay-choices">
            <legend>Replay from</legend>
            <label className="check">
              <input type="radio" name="from" checked={mode === 'beginning'} onChange={() => setMode('beginning')} />
              the beginning of the retained log
            </label>
            <label className="check">
              <input type="radio" name="from" checked={mode === 'time'} onChange={() => setMode('time')} />a time
            </label>
            {mode === 'time' ? (
              <input
                type="datetime-local"
                aria-label="Replay events published since"
                value={time}
                max={localInputValue(Date.now())}
                onChange={(e) => setTime(e.target.value)}
                required
              />
            ) : null}
          </fieldset>
          <p>
            Delivers {replayed(request, at)} to {request.subscription.name} again. Events whose delivery is still waiting or running are
            skipped, so nothing pending is delivered twice; its handler sees the others a second time.
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
              {busy ? 'Replaying…' : `Replay to ${request.subscription.name}`}
            </button>
          </div>
        </form>
      ) : null}
    </dialog>
  );
}
