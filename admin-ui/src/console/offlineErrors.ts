// The offline tab's error texts: the engine's stable codes in the user's language.
import { t } from '../shared/i18n';
import { ApiError } from '../shared/api';

export function errorText(err: unknown): string {
  const code = err instanceof ApiError ? err.code : 'network_error';
  const known: Record<string, string> = {
    smtp_not_configured: t('offline_error_smtp'),
    invalid_email: t('offline_error_email'),
    unknown_form_field: t('offline_error_subject'),
    invalid_subject_field: t('offline_error_subject'),
    invalid_unmanaged_message: t('unmanaged_error_message'),
    invalid_auto_close: t('unmanaged_error_autoclose'),
  };
  return known[code] ?? t('error_code', { code });
}
