import { useState } from 'preact/hooks';
import { t } from '../shared/i18n';
import type { WrapUpRequired } from '../shared/protocol';
import type { AgentController } from './controller';
import { matchesTitle, secondsLeft } from './rules';

/** R50, R51: the reason for a finished chat, searchable, with the auto wrap-up countdown. */
export function WrapUpDialog({ wrapUp, visitorName, controller, now }: {
  wrapUp: WrapUpRequired; visitorName: string; controller: AgentController; now: number;
}) {
  const [query, setQuery] = useState('');
  const [reason, setReason] = useState<number>(wrapUp.default_reason_id);
  const [note, setNote] = useState('');
  const shown = wrapUp.reasons.filter((r) => matchesTitle(r.label, query));
  return (
    <div class="modal-backdrop">
      <div class="modal" role="dialog" aria-modal="true" aria-labelledby="wrap-title" data-testid="wrap-up">
      <form class="stack" onSubmit={(e) => { e.preventDefault(); controller.submitWrapUp(wrapUp.chat_id, reason, note); }}>
        <h2 id="wrap-title">{t('wrap_title', { name: visitorName })}</h2>
        {wrapUp.auto_at_ms !== null && (
          <p class="countdown" data-testid="wrap-countdown">{t('wrap_auto', { seconds: secondsLeft(wrapUp.auto_at_ms, now) })}</p>
        )}
        <input data-testid="wrap-search" placeholder={t('wrap_search')} value={query}
          onInput={(e) => setQuery((e.target as HTMLInputElement).value)} />
        <fieldset class="reasons">
          <legend>{t('wrap_reason')}</legend>
          {shown.map((r) => (
            <label key={r.id}><input type="radio" name="reason" checked={reason === r.id} onChange={() => setReason(r.id)} />
              {r.label}{r.is_default ? ` (${t('default')})` : ''}</label>
          ))}
        </fieldset>
        <label>{t('wrap_note')}<textarea data-testid="wrap-note" rows={2} maxLength={1000} value={note}
          onInput={(e) => setNote((e.target as HTMLTextAreaElement).value)} /></label>
        <button class="primary" type="submit" data-testid="wrap-submit">{t('wrap_submit')}</button>
      </form>
      </div>
    </div>
  );
}
