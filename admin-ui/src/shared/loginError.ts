// What the login form says when a login is refused (R71; issue 10's lockout and limits).
import { ApiError } from './api';
import { t } from './i18n';

/** Whole seconds until a retry, rounded up (at least 1). */
export function retrySeconds(ms: number | null): number {
  return Math.max(1, Math.ceil((ms ?? 1000) / 1000));
}

export function loginErrorText(err: unknown): string {
  const code = err instanceof ApiError ? err.code : 'network_error';
  switch (code) {
    case 'invalid_credentials': return t('login_invalid');
    case 'account_deactivated': return t('login_deactivated');
    case 'login_locked':
      return t('login_locked', { seconds: retrySeconds(err instanceof ApiError ? err.retryAfterMs : null) });
    case 'rate_limited':
      return t('login_rate_limited', { seconds: retrySeconds(err instanceof ApiError ? err.retryAfterMs : null) });
    default: return t('error_code', { code });
  }
}
