import { t, type MessageKey } from '../shared/i18n';
import { en } from '../locales/en';
import type { Limits } from './rules';

/** A chat's notice (`error:code`, `transfer_failed:reason`, …) as a sentence for the agent. */
export function noticeText(notice: string, limits: Limits): string {
  const [kind, code] = notice.split(':');
  const specific = `${kind}_${code}` as MessageKey;
  if (specific in en) return t(specific);
  if (kind === 'transfer_failed') return t('transfer_failed', { reason: code });
  if (kind === 'invitation_declined') return t('invitation_declined', { reason: code });
  const known = `code_${code}` as MessageKey;
  const params = { n: limits.max_files_per_message, max: limits.max_message_chars };
  return known in en ? t(known, params) : t('error_code', { code });
}
