/**
 * The admin form for a queue's limits (`PUT /v1/queues/{queue}/limits`). It sends only the
 * fields that changed, an emptied field as null (no limit), and leaves the judging to the server:
 * a 400 shows the server's own sentence, which names the field and what to change.
 */
import { type FormEvent, type InputHTMLAttributes, useId, useState } from 'react';
import type { LimitsChange, QueueState } from '../api/types.js';
import { changeOf, draftOf, type LimitsDraft } from '../lib/flow.js';

export function LimitsForm({
  state,
  breakerNames,
  save,
  onClose,
}: {
  state: QueueState;
  /** Every defined breaker, for the pickers. */
  breakerNames: string[];
  save(change: LimitsChange): Promise<void>;
  onClose(): void;
}) {
  const [initial] = useState(() => draftOf(state));
  const [draft, setDraft] = useState<LimitsDraft>(initial);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const breakerId = useId();
  const set =
    <K extends keyof LimitsDraft>(key: K) =>
    (value: LimitsDraft[K]) =>
      setDraft((d) => ({ ...d, [key]: value }));
  const setRow = (index: number, row: Partial<LimitsDraft['breakers'][number]>) =>
    setDraft((d) => ({ ...d, breakers: d.breakers.map((r, i) => (i === index ? { ...r, ...row } : r)) }));
  const names = [
    ...new Set([...breakerNames, ...(initial.breaker ? [initial.breaker] : []), ...initial.breakers.map((r) => r.breaker)]),
  ].sort();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    let change: LimitsChange;
    try {
      change = changeOf(draft, initial);
    } catch (err) {
      setError((err as Error).message);
      return;
    }
    if (Object.keys(change).length === 0) {
      setError('Nothing changed. Change a field, or cancel.');
      return;
    }
    setBusy(true);
    try {
      await save(change);
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  };

  return (
    <form className="card limits-form" onSubmit={submit} noValidate aria-labelledby="limits-form-title">
      <div className="card-head">
        <h2 id="limits-form-title">Edit limits of {state.name}</h2>
        <span className="muted small">Empty means no limit. They hold across every worker on every machine.</span>
      </div>
      <div className="limits-fields">
        <NumberField
          label="Concurrency"
          hint="running at once, across every process"
          value={draft.concurrency}
          onChange={set('concurrency')}
        />
        <NumberField
          label="Per-key concurrency"
          hint="running at once per concurrency key; keys take turns"
          value={draft.keyConcurrency}
          onChange={set('keyConcurrency')}
        />
        <NumberField
          label="Max depth"
          hint="waiting jobs; past it, enqueue answers 429"
          value={draft.maxDepth}
          onChange={set('maxDepth')}
        />
      </div>
      <fieldset className="limits-group">
        <legend>Rate limit</legend>
        <div className="limits-fields">
          <NumberField label="Starts" hint="per window" value={draft.rateLimit} onChange={set('rateLimit')} />
          <Field label="Window" hint="such as 1s, 30s, 1m, 1h" value={draft.ratePer} onChange={set('ratePer')} placeholder="1m" />
          <Field
            label="Count per payload path"
            hint="optional; empty counts the whole queue"
            value={draft.rateKey}
            onChange={set('rateKey')}
            placeholder="tenantId"
          />
        </div>
      </fieldset>
      <fieldset className="limits-group">
        <legend>Circuit breakers</legend>
        {names.length === 0 ? (
          <p className="muted small">
            No breaker is defined yet. Define one first: <code>spool.defineBreaker('payments', {'{ failures: 5 }'})</code>, the config
            file's <code>breakers</code>, or <code>PUT /v1/breakers/payments</code>.
          </p>
        ) : null}
        <div className="field">
          <label htmlFor={breakerId}>Breaker for every job</label>
          <select id={breakerId} value={draft.breaker} onChange={(e) => set('breaker')(e.target.value)} disabled={names.length === 0}>
            <option value="">none</option>
            {names.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <span>Breakers by job name</span>
          {draft.breakers.length === 0 ? <span className="field-hint">none</span> : null}
          <ul className="breaker-rows">
            {draft.breakers.map((row, index) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their place; a job name may be empty or typed twice.
              <li key={index} className="field-row">
                <input
                  aria-label={`Job name ${index + 1}`}
                  value={row.job}
                  onChange={(e) => setRow(index, { job: e.target.value })}
                  placeholder="charge"
                  spellCheck={false}
                />
                <select
                  aria-label={`Breaker for job name ${index + 1}`}
                  value={row.breaker}
                  onChange={(e) => setRow(index, { breaker: e.target.value })}
                >
                  <option value="">pick a breaker</option>
                  {names.map((name) => (
                    <option key={name} value={name}>
                      {name}
                    </option>
                  ))}
                </select>
                <button
                  type="button"
                  className="button button-small"
                  onClick={() => setDraft((d) => ({ ...d, breakers: d.breakers.filter((_, i) => i !== index) }))}
                >
                  Remove
                </button>
              </li>
            ))}
          </ul>
          <button
            type="button"
            className="button button-small add-row"
            disabled={names.length === 0}
            onClick={() => setDraft((d) => ({ ...d, breakers: [...d.breakers, { job: '', breaker: names[0] ?? '' }] }))}
          >
            Add a job name
          </button>
        </div>
      </fieldset>
      <label className="check">
        <input type="checkbox" checked={draft.refuseWhenPaused} onChange={(e) => set('refuseWhenPaused')(e.target.checked)} />
        Refuse new jobs while paused (producers get 503 with Retry-After)
      </label>
      {error ? (
        <p className="dialog-error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onClose} disabled={busy}>
          Cancel
        </button>
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save limits'}
        </button>
      </div>
    </form>
  );
}

function NumberField(props: { label: string; hint: string; value: string; onChange(value: string): void }) {
  return <Field {...props} inputMode="numeric" placeholder="no limit" />;
}

/** A labelled text input with a hint under it (the hint describes the input, it is not its name). */
function Field({
  label,
  hint,
  value,
  onChange,
  ...input
}: { label: string; hint: string; value: string; onChange(value: string): void } & Pick<
  InputHTMLAttributes<HTMLInputElement>,
  'inputMode' | 'placeholder'
>) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        aria-describedby={`${id}-hint`}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        spellCheck={false}
        {...input}
      />
      <span id={`${id}-hint`} className="field-hint">
        {hint}
      </span>
    </div>
  );
}
