// The REST client shared by every section of the admin app. The session is the HttpOnly
// `parley_session` cookie the engine sets at login, so requests carry no token of their own.
// Every request carries `X-Requested-With`, which the engine's CSRF check (issue 10) asks of a
// cookie-authenticated write that comes without an Origin header.

/** Sent with every request: a header no cross-site form can send. */
export const CSRF_HEADERS: Record<string, string> = { 'X-Requested-With': 'parley-admin' };

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public fields: { field: string; error: string; message: string }[] = [],
    /** Issue 10: with `rate_limited` and `login_locked`, how long until a retry may succeed. */
    public retryAfterMs: number | null = null,
  ) {
    super(message);
  }
}

export interface User {
  id: number;
  username: string;
  display_name: string;
  role: 'agent' | 'supervisor' | 'admin';
  capacity: number;
}

async function answer<T>(response: Response): Promise<T> {
  if (response.status === 204) return undefined as T;
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const code = (body && typeof body.error === 'string') ? body.error : 'http_' + response.status;
    const message = (body && typeof body.message === 'string') ? body.message : response.statusText;
    const retryAfterMs = typeof body?.retry_after_ms === 'number' ? body.retry_after_ms : null;
    throw new ApiError(response.status, code, message, Array.isArray(body?.fields) ? body.fields : [], retryAfterMs);
  }
  return body as T;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch('/api/v1' + path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? CSRF_HEADERS : { ...CSRF_HEADERS, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network_error', 'the engine cannot be reached');
  }
  return answer<T>(response);
}

/** R40: a chat file is uploaded as the raw request body, one file per request (4.34). */
export async function uploadFile(chatId: number, file: File): Promise<Attachment> {
  let response: Response;
  try {
    response = await fetch(`/api/v1/chats/${chatId}/attachments?name=${encodeURIComponent(file.name)}`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: CSRF_HEADERS,
      body: file,
    });
  } catch {
    throw new ApiError(0, 'network_error', 'the engine cannot be reached');
  }
  const uploaded = await answer<{ attachment_id: string; name: string; mime_type: string; size: number }>(response);
  return { id: uploaded.attachment_id, name: uploaded.name, mime_type: uploaded.mime_type, size: uploaded.size };
}

export interface Attachment {
  id: string;
  name: string;
  mime_type: string;
  size: number;
}

export const login = (username: string, password: string) =>
  api<{ user: User }>('POST', '/auth/login', { username, password });
export const logout = () => api<void>('POST', '/auth/logout');
export const me = () => api<User>('GET', '/auth/me');
