/**
 * The signed-in session: the token, who it is (`GET /v1/auth/whoami`) and what it may do, and
 * an API client that signs out when the server stops accepting the token.
 */
import { type ReactNode, createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { type Api, ApiError, createApi } from '../api/client.js';
import type { Whoami } from '../api/types.js';
import { forgetToken, loadToken, saveToken } from './token-store.js';

export interface Session {
  api: Api;
  principal: Whoami;
  canRead: boolean;
  canAdmin: boolean;
  signOut(): void;
}

export type SessionState =
  | { kind: 'checking' }
  | { kind: 'signed-out'; message: string | null }
  | { kind: 'unreachable'; message: string }
  | { kind: 'signed-in'; session: Session };

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession() outside a signed-in SessionProvider');
  return session;
}

export function SignedIn({ session, children }: { session: Session; children: ReactNode }) {
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

/** Checks a token (or none, for servers in the insecure dev mode) and tracks the session. */
export function useSessionState(): { state: SessionState; signIn(token: string, remember: boolean): Promise<void>; retry(): void } {
  const [state, setState] = useState<SessionState>({ kind: 'checking' });
  const [attempt, setAttempt] = useState(0);

  const signOut = useCallback((message: string | null = null) => {
    forgetToken();
    setState({ kind: 'signed-out', message });
  }, []);

  const check = useCallback(
    async (token: string | null): Promise<SessionState> => {
      const api = createApi(token, () => signOut('The server no longer accepts this token (it may have been removed). Sign in again.'));
      try {
        const principal = await createApi(token, () => {}).get<Whoami>('/v1/auth/whoami');
        const has = (scope: string) => principal.scopes.includes(scope as never) || principal.scopes.includes('admin');
        if (!has('read')) {
          return {
            kind: 'signed-out',
            message: `The token "${principal.name}" has only the ${principal.scopes.join(', ')} scope; the dashboard needs a token with the read scope (or admin).`,
          };
        }
        return {
          kind: 'signed-in',
          session: { api, principal, canRead: true, canAdmin: has('admin'), signOut: () => signOut() },
        };
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) {
          return {
            kind: 'signed-out',
            message: token ? 'That token is not valid here. Check it for typos, or ask an admin for one.' : null,
          };
        }
        return { kind: 'unreachable', message: (err as Error).message };
      }
    },
    [signOut],
  );

  useEffect(() => {
    let live = true;
    void attempt;
    setState({ kind: 'checking' });
    void check(loadToken()).then((next) => {
      if (!live) return;
      if (next.kind === 'signed-out') forgetToken();
      setState(next);
    });
    return () => {
      live = false;
    };
  }, [check, attempt]);

  const signIn = useCallback(
    async (token: string, remember: boolean) => {
      const next = await check(token);
      if (next.kind === 'signed-in') saveToken(token, remember);
      setState(next);
    },
    [check],
  );

  return useMemo(() => ({ state, signIn, retry: () => setAttempt((n) => n + 1) }), [state, signIn]);
}
