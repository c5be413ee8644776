/**
 * Calls the v1 API with the signed-in token as a bearer header (never in a URL). Errors become
 * ApiError with the problem's sentence, so every screen can show what went wrong and what to do.
 */
import type { Problem } from './types.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface Api {
  get<T>(path: string, signal?: AbortSignal): Promise<T>;
  /** With a body, sent as JSON. */
  post<T>(path: string, body?: unknown): Promise<T>;
  del<T>(path: string): Promise<T>;
  /** The raw response, for streams. */
  stream(path: string, headers: Record<string, string>, signal: AbortSignal): Promise<Response>;
}

export function authHeaders(token: string | null): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** @param onUnauthorized called when the server stops accepting the token (401), to sign out. */
export function createApi(token: string | null, onUnauthorized: (error: ApiError) => void): Api {
  async function call<T>(method: string, path: string, signal?: AbortSignal, body?: unknown): Promise<T> {
    let response: Response;
    const headers: Record<string, string> = { accept: 'application/json', ...authHeaders(token) };
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      response = await fetch(path, { method, headers, signal, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new ApiError(0, 'NETWORK', 'The Spool server does not answer. Check that `spool serve` is running; retrying.');
    }
    if (response.ok) return (await response.json()) as T;
    const error = await toApiError(response);
    if (error.status === 401) onUnauthorized(error);
    throw error;
  }
  return {
    get: (path, signal) => call('GET', path, signal),
    post: (path, body) => call('POST', path, undefined, body),
    del: (path) => call('DELETE', path),
    stream: (path, headers, signal) => fetch(path, { headers: { ...headers, ...authHeaders(token) }, signal }),
  };
}

export async function toApiError(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  try {
    const problem = JSON.parse(text) as Partial<Problem>;
    if (typeof problem.detail === 'string') return new ApiError(response.status, problem.code ?? 'UNKNOWN', problem.detail);
  } catch {
    // Not problem+json: a proxy's page, say.
  }
  return new ApiError(response.status, 'UNKNOWN', `The server answered ${response.status} ${response.statusText}. Try again.`);
}
