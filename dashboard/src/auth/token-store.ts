/**
 * Where the token is kept: in memory (gone on reload), or in this tab's sessionStorage when the
 * user asks to stay signed in (gone when the tab closes). Never in a URL, never in localStorage.
 */
const key = 'spool.token';
let inMemory: string | null = null;

export function loadToken(): string | null {
  if (inMemory) return inMemory;
  try {
    return sessionStorage.getItem(key);
  } catch {
    return null; // storage disabled
  }
}

export function saveToken(token: string, rememberInTab: boolean): void {
  inMemory = token;
  try {
    if (rememberInTab) sessionStorage.setItem(key, token);
    else sessionStorage.removeItem(key);
  } catch {
    // storage disabled: memory only
  }
}

export function forgetToken(): void {
  inMemory = null;
  try {
    sessionStorage.removeItem(key);
  } catch {
    // storage disabled
  }
}
