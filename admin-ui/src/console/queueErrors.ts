// The queue pages' error texts: the engine's stable codes in the user's language.
import { t } from '../shared/i18n';
import { ApiError } from '../shared/api';

export function errorText(err: unknown): string {
  const code = err instanceof ApiError ? err.code : 'network_error';
  const known: Record<string, string> = {
    invalid_queue_timeouts: t('queue_error_timeouts'),
    empty_name: t('queue_error_name'),
    unknown_time_zone: t('site_error_zone'),
    overlapping_time_ranges: t('site_error_overlap'),
    empty_time_range: t('site_error_range'),
    invalid_time: t('site_error_range'),
    no_time_ranges: t('site_error_no_ranges'),
  };
  if (code === 'queue_in_use' && err instanceof ApiError) return `${t('queue_error_in_use')} (${err.message})`;
  return known[code] ?? t('error_code', { code });
}
