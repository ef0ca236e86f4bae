// The console's Privacy page (R92): erasing one visitor's data on request. The REST shape and
// the pure rules (which chat number may be sent, what the answer says), unit-tested.
import { api } from '../shared/api';

/** The answer of `POST /chats/{chat_id}/erase-visitor` (docs/protocol.md 4.44). */
export interface Erased { chat_ids: number[]; anonymised: number; files_removed: number }

/** A chat number as typed (`#12`, ` 12 `), or null when it is not a positive whole number. */
export function parseChatId(typed: string): number | null {
  const text = typed.trim().replace(/^#/, '');
  if (!/^[0-9]{1,15}$/.test(text)) return null;
  const id = Number(text);
  return id > 0 ? id : null;
}

/** Which message tells the admin what an erasure did: nothing new (asked before), or how much. */
export function erasedKey(erased: Erased): 'privacy_erased' | 'privacy_already_erased' {
  return erased.anonymised === 0 ? 'privacy_already_erased' : 'privacy_erased';
}

/** The error codes this page explains in words; others show as their code. */
export const EXPLAINED_ERRORS = ['chat_still_open', 'chat_not_found', 'forbidden'] as const;

export function errorKey(code: string): `privacy_error_${(typeof EXPLAINED_ERRORS)[number]}` | null {
  return (EXPLAINED_ERRORS as readonly string[]).includes(code)
    ? (`privacy_error_${code}` as `privacy_error_${(typeof EXPLAINED_ERRORS)[number]}`)
    : null;
}

export const eraseVisitor = (chatId: number) => api<Erased>('POST', `/chats/${chatId}/erase-visitor`);
