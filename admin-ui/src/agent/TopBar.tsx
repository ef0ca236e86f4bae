import { t, LANGUAGES, language } from '../shared/i18n';
import type { AgentController } from './controller';
import type { AgentState } from './state';

export function PresenceMenu({ state, controller }: { state: AgentState; controller: AgentController }) {
  const value = state.presence === 'away' && state.awayReason ? `away:${state.awayReason.id}` : state.presence;
  const choose = (choice: string) => {
    if (choice === 'available') controller.setPresence('available');
    else if (choice === 'away') controller.setPresence('away');
    else if (choice.startsWith('away:')) controller.setPresence('away', Number(choice.slice(5)));
  };
  return (
    <label class={`presence presence-${state.presence}`}>
      <span class="dot" aria-hidden="true" />
      <span class="visually-hidden">{t('presence_label')}</span>
      <select data-testid="presence" value={value} onChange={(e) => choose((e.target as HTMLSelectElement).value)}>
        <option value="available">{t('presence_available')}</option>
        <option value="away">{t('presence_away')}</option>
        {state.awayReasons.map((r) => (
          <option key={r.id} value={`away:${r.id}`}>{t('presence_away_reason', { reason: r.label })}</option>
        ))}
        {state.presence === 'rona' && <option value="rona" disabled>{t('presence_rona')}</option>}
        {state.presence === 'offline' && <option value="offline" disabled>{t('presence_offline')}</option>}
      </select>
    </label>
  );
}

export function ConnectionState({ state }: { state: AgentState }) {
  const label = {
    connecting: t('connection_connecting'),
    online: t('connection_online'),
    reconnecting: t('connection_reconnecting'),
    signed_out: t('connection_signed_out'),
  }[state.connection];
  return <span class={`connection connection-${state.connection}`} data-testid="connection" role="status">{label}</span>;
}

export function LanguageMenu({ onChange }: { onChange: (code: string) => void }) {
  return (
    <label class="language">
      <span class="visually-hidden">{t('language_label')}</span>
      <select data-testid="language" value={language()} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
        {LANGUAGES.map((l) => <option key={l.code} value={l.code}>{l.name}</option>)}
      </select>
    </label>
  );
}

/** R22, R23: RONA explained, with one click back to Available. */
export function RonaBanner({ state, controller }: { state: AgentState; controller: AgentController }) {
  if (state.presence !== 'rona') return null;
  const missed = state.missedOffer;
  return (
    <div class="banner banner-rona" role="alert" data-testid="rona-banner">
      <div>
        <strong>{t('rona_title')}</strong>
        <p>{missed ? t('rona_explained_with', { name: missed.visitor_name, queue: missed.queue_name }) : t('rona_explained')}</p>
      </div>
      <button class="primary" data-testid="rona-available" onClick={() => controller.setPresence('available')}>
        {t('rona_back')}
      </button>
    </div>
  );
}
