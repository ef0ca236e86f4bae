// The users of the console's Agents page (R25, R70, R71, R73): their REST shapes and the pure
// rules of the page (a form checked before it is sent, the queues a user can still join, the
// error message of a code), unit-tested. The engine checks everything again.
import { api } from '../shared/api';

export type Role = 'agent' | 'supervisor' | 'admin';
export const ROLES: Role[] = ['agent', 'supervisor', 'admin'];

/** R70, A4: the capacity range the engine accepts. */
export const CAPACITY_MIN = 1;
export const CAPACITY_MAX = 20;
export const PASSWORD_MIN = 8;

export interface Membership { queue_id: number; name: string; hunt_order: number }

export interface Account {
  id: number; username: string; display_name: string; role: Role; capacity: number;
  active: boolean; presence: string; created_at_ms: number; queues: Membership[];
}

export interface NewAccount { username: string; display_name: string; role: Role; capacity: string; password: string; active: boolean }

export function emptyAccount(): NewAccount {
  return { username: '', display_name: '', role: 'agent', capacity: '3', password: '', active: true };
}

/** The error codes of a new account as the engine would give them, checked before sending:
 *  a field name and its code, first problem of each field only. */
export function accountProblems(form: NewAccount): { field: string; code: string }[] {
  const problems: { field: string; code: string }[] = [];
  if (!/^[\p{L}\p{N}._@-]{1,64}$/u.test(form.username.trim())) problems.push({ field: 'username', code: 'invalid_username' });
  if (form.display_name.trim().length > 80) problems.push({ field: 'display_name', code: 'name_too_long' });
  if (capacityProblem(form.capacity)) problems.push({ field: 'capacity', code: 'capacity_out_of_range' });
  if (passwordProblem(form.password, form.username.trim())) problems.push({ field: 'password', code: 'weak_password' });
  return problems;
}

export function capacityProblem(raw: string): boolean {
  const n = Number(raw);
  return raw.trim() === '' || !Number.isInteger(n) || n < CAPACITY_MIN || n > CAPACITY_MAX;
}

export function passwordProblem(password: string, username: string): boolean {
  const chars = [...password].length;
  return chars < PASSWORD_MIN || chars > 128 || password.trim() === '' || password.toLowerCase() === username.toLowerCase();
}

/** The body of `POST /users` from the form. */
export function createBody(form: NewAccount) {
  const display = form.display_name.trim();
  return {
    username: form.username.trim(),
    display_name: display === '' ? null : display,
    role: form.role,
    capacity: Number(form.capacity),
    password: form.password,
    active: form.active,
  };
}

/** R25, R71: admins take no chats, so only agents and supervisors are queue members. */
export const takesChats = (role: Role) => role !== 'admin';

/** The queues `account` is not a member of yet, by name. */
export function joinable<Q extends { queue_id: number; name: string }>(queues: Q[], account: Account): Q[] {
  return queues.filter((q) => !account.queues.some((m) => m.queue_id === q.queue_id)).sort((a, b) => a.name.localeCompare(b.name));
}

/** A hunt order as typed, or null if it is not 1 to 1000 (R17). */
export function huntOrder(raw: string): number | null {
  const n = Number(raw);
  return raw.trim() !== '' && Number.isInteger(n) && n >= 1 && n <= 1000 ? n : null;
}

/** The codes the page explains in words; others are shown with their code. */
export const KNOWN_ERRORS = [
  'username_taken', 'invalid_username', 'invalid_role', 'capacity_out_of_range', 'weak_password',
  'last_admin', 'self_lockout', 'empty_name', 'name_too_long', 'invalid_hunt_order', 'not_an_agent',
] as const;
export type KnownError = (typeof KNOWN_ERRORS)[number];
export const isKnownError = (code: string): code is KnownError => (KNOWN_ERRORS as readonly string[]).includes(code);

export const listAccounts = () => api<{ users: Account[] }>('GET', '/users');
export const createAccount = (form: NewAccount) => api<Account>('POST', '/users', createBody(form));
export const changeAccount = (id: number, change: Partial<{ display_name: string; role: Role; capacity: number; active: boolean }>) =>
  api<Account>('PATCH', `/users/${id}`, change);
export const setPassword = (id: number, password: string) => api<void>('POST', `/users/${id}/password`, { password });
export const setMembership = (queueId: number, userId: number, order: number) =>
  api<unknown>('PUT', `/queues/${queueId}/members/${userId}`, { hunt_order: order });
export const leaveQueue = (queueId: number, userId: number) => api<void>('DELETE', `/queues/${queueId}/members/${userId}`);
