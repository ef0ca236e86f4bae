// R31, R76, R78: what the widget shows when nobody is Available, and what a visitor nobody took
// is told, whether it may leave a message, and when its review closes on its own.
import { useEffect, useState } from 'preact/hooks';
import { t } from '../shared/i18n';
import { loadUnmanaged, saveUnmanaged, type Unmanaged, type Website } from './websites';
import { errorText } from './offlineErrors';

const HOUR = 3_600_000;

export function UnmanagedSettings({ website }: { website: Website }) {
  const [settings, setSettings] = useState<Unmanaged | null>(null);
  const [hours, setHours] = useState('0');
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    loadUnmanaged(website.key).then((u) => { setSettings(u); setHours(String(u.unmanaged_autoclose_ms / HOUR)); }, (err) => setError(errorText(err)));
  }, [website.key]);
  if (!settings) return error ? <p class="form-error" role="alert">{error}</p> : <p class="muted">…</p>;
  const save = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setSaved(false);
    const ms = hours.trim() === '' ? 0 : Math.round(Number(hours) * HOUR);
    try {
      setSettings(await saveUnmanaged(website.key, { ...settings, unmanaged_autoclose_ms: Number.isFinite(ms) ? ms : -1 }));
      setSaved(true);
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <form class="stack" onSubmit={save} data-testid="unmanaged-settings">
      <fieldset class="stack">
        <legend>{t('unmanaged_title')}</legend>
        <label>{t('unmanaged_no_agent')}<select data-testid="no-agent-mode" value={settings.no_agent_mode}
          onChange={(e) => setSettings({ ...settings, no_agent_mode: (e.target as HTMLSelectElement).value as Unmanaged['no_agent_mode'] })}>
          <option value="busy">{t('unmanaged_no_agent_busy')}</option>
          <option value="offline">{t('unmanaged_no_agent_offline')}</option>
        </select></label>
        <label>{t('unmanaged_message')}<textarea rows={3} data-testid="unmanaged-message" value={settings.unmanaged_message ?? ''}
          placeholder={t('unmanaged_message_default')}
          onInput={(e) => setSettings({ ...settings, unmanaged_message: (e.target as HTMLTextAreaElement).value })} /></label>
        <label class="row"><input type="checkbox" data-testid="leave-message" checked={settings.leave_message}
          onChange={(e) => setSettings({ ...settings, leave_message: (e.target as HTMLInputElement).checked })} />{t('unmanaged_leave_message')}</label>
        <label>{t('unmanaged_autoclose')}<input type="number" min={0} step="any" data-testid="unmanaged-autoclose" value={hours}
          onInput={(e) => setHours((e.target as HTMLInputElement).value)} /><span class="muted">{t('unmanaged_autoclose_hint')}</span></label>
        {error && <p class="form-error" role="alert" data-testid="unmanaged-error">{error}</p>}
        {saved && <p class="saved" role="status" data-testid="unmanaged-saved">{t('form_saved')}</p>}
        <button class="primary" type="submit" data-testid="unmanaged-save">{t('save')}</button>
      </fieldset>
    </form>
  );
}
