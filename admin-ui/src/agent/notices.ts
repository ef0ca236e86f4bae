import { t, type MessageKey } from '../shared/i18n';
import { en } from '../locales/en';

/** A chat's notice (`error:code`, `transfer_failed:reason`, …) as a sentence for the agent. */
export function noticeText(notice: string): string {
  const [kind, code] = notice.split(':');
  const specific = `${kind}_${code}` as MessageKey;
  if (specific in en) return t(specific);
  if (kind === 'transfer_failed') return t('transfer_failed', { reason: code });
  if (kind === 'invitation_declined') return t('invitation_declined', { reason: code });
  const known = `code_${code}` as MessageKey;
  return known in en ? t(known) : t('error_code', { code });
}
