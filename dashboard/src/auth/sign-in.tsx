/**
 * Sign-in with an API token. The token stays in memory, or in this tab's sessionStorage when
 * asked; it is sent only as a bearer header and never appears in a URL.
 */
import { type FormEvent, useState } from 'react';

export function SignIn({ message, onSignIn }: { message: string | null; onSignIn(token: string, remember: boolean): Promise<void> }) {
  const [token, setToken] = useState('');
  const [remember, setRemember] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!token.trim()) return;
    setBusy(true);
    try {
      await onSignIn(token.trim(), remember);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="sign-in">
      <form className="card sign-in-card" method="post" onSubmit={submit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">
          <span className="logo" aria-hidden="true" /> Sign in to Spool
        </h1>
        <p className="muted">
          Paste an API token with the <code>read</code> scope to watch jobs, or <code>admin</code> to also cancel and retry them. Create one
          with:
        </p>
        <code className="command">spool token create --name you --scopes admin</code>
        {message ? (
          <p className="field-error" role="alert">
            {message}
          </p>
        ) : null}
        <label className="field">
          <span>API token</span>
          <input
            type="password"
            name="token"
            autoComplete="off"
            spellCheck={false}
            value={token}
            onChange={(e) => setToken(e.target.value)}
            placeholder="spool_…"
            required
          />
        </label>
        <label className="check">
          <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} /> Keep me signed in while this tab is
          open
        </label>
        <button type="submit" className="button button-primary" disabled={busy || !token.trim()}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
