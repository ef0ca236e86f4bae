// The Privacy page of the console, an admin's (R71, R92): erase one visitor's data on request.
// The admin names one of the visitor's chats; the engine anonymises it and the visitor's other
// chats on the same website (docs/protocol.md 4.44). A second step confirms, since it cannot be
// undone. Old chats are anonymised by the engine's retention job (README, Retention).
import { useState } from 'preact/hooks';
import { t } from '../shared/i18n';
import { ApiError } from '../shared/api';
import { type Erased, eraseVisitor, erasedKey, errorKey, parseChatId } from './privacy';

function errorText(err: unknown): string {
  const code = err instanceof ApiError ? err.code : 'network_error';
  const key = errorKey(code);
  return key ? t(key) : t('error_code', { code });
}

export function PrivacyPage() {
  const [typed, setTyped] = useState('');
  const [confirming, setConfirming] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<Erased | null>(null);
  const [error, setError] = useState<string | null>(null);
  const chatId = parseChatId(typed);
  const ask = (e: Event) => {
    e.preventDefault();
    setDone(null);
    setError(null);
    if (chatId === null) {
      setError(t('privacy_bad_chat'));
      return;
    }
    setConfirming(chatId);
  };
  const erase = () => {
    if (confirming === null) return;
    setBusy(true);
    eraseVisitor(confirming).then((erased) => {
      setDone(erased);
      setConfirming(null);
      setTyped('');
    }, (err) => {
      setError(errorText(err));
      setConfirming(null);
    }).finally(() => setBusy(false));
  };
  return (
    <main class="console single" data-testid="privacy-page">
      <section class="console-list stack">
        <h1>{t('section_privacy')}</h1>
        <p>{t('privacy_intro')}</p>
        <p class="muted">{t('privacy_retention')}</p>
        <form class="row wrap" onSubmit={ask} data-testid="privacy-form">
          <label>{t('privacy_chat')}<input data-testid="privacy-chat" inputMode="numeric" value={typed}
            onInput={(e) => { setTyped((e.target as HTMLInputElement).value); setConfirming(null); }} /></label>
          <button class="danger" type="submit" data-testid="privacy-erase" disabled={busy || confirming !== null}>{t('privacy_erase')}</button>
        </form>
        {confirming !== null && (
          <div class="row wrap" role="alertdialog" aria-labelledby="privacy-confirm-text" data-testid="privacy-confirm">
            <p id="privacy-confirm-text">{t('privacy_confirm', { chat: confirming })}</p>
            <button class="danger" data-testid="privacy-confirm-erase" disabled={busy} onClick={erase}>{t('privacy_confirm_erase')}</button>
            <button data-testid="privacy-cancel" disabled={busy} onClick={() => setConfirming(null)}>{t('privacy_cancel')}</button>
          </div>
        )}
        {error && <p class="form-error" role="alert" data-testid="privacy-error">{error}</p>}
        {done && (
          <p role="status" data-testid="privacy-done">
            {t(erasedKey(done), { chats: done.anonymised, files: done.files_removed, ids: done.chat_ids.map((id) => `#${id}`).join(', ') })}
          </p>
        )}
      </section>
    </main>
  );
}
