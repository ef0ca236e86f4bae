// What a website does when live chat is offline or nobody takes a chat: the offline form's
// mail options (R64: forward to an address, open a new interaction with a subject field) and
// the no-agent behaviour, unmanaged message, leave-a-message and auto-close (R31, R76, R78).
import { useEffect, useState } from 'preact/hooks';
import { t } from '../shared/i18n';
import { ApiError } from '../shared/api';
import { loadForms, loadOfflineOptions, offlineOptionsBody, saveOfflineOptions, subjectFields, type ElementSpec } from './forms';
import { loadUnmanaged, saveUnmanaged, type Unmanaged, type Website } from './websites';

function errorText(err: unknown): string {
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

const HOUR = 3_600_000;

function MailOptions({ website }: { website: Website }) {
  const [forward, setForward] = useState('');
  const [mailbox, setMailbox] = useState('');
  const [subject, setSubject] = useState('');
  const [fields, setFields] = useState<ElementSpec[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    Promise.all([loadOfflineOptions(website.key), loadForms(website.key)]).then(([o, f]) => {
      setForward(o.forward_to ?? '');
      setMailbox(o.open_interaction?.mailbox ?? '');
      setSubject(o.open_interaction?.subject_field ?? '');
      setFields(subjectFields(f.effective_offline_form.elements));
      setLoaded(true);
    }, (err) => setError(errorText(err)));
  }, [website.key]);
  const save = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setSaved(false);
    try {
      // The website's language goes with the options (4.22), unchanged.
      await saveOfflineOptions(website.key, offlineOptionsBody(website.language, forward, mailbox, subject));
      setSaved(true);
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <form class="stack" onSubmit={save} data-testid="offline-options">
      {/* Nothing is typed before the stored options are shown (they would overwrite it). */}
      <fieldset class="stack" disabled={!loaded}>
        <legend>{t('offline_options')}</legend>
        <label>{t('offline_forward')}<input type="email" data-testid="offline-forward" value={forward} placeholder="support@example.com"
          onInput={(e) => setForward((e.target as HTMLInputElement).value)} /><span class="muted">{t('offline_forward_hint')}</span></label>
        <label>{t('offline_mailbox')}<input type="email" data-testid="offline-mailbox" value={mailbox}
          onInput={(e) => setMailbox((e.target as HTMLInputElement).value)} /><span class="muted">{t('offline_mailbox_hint')}</span></label>
        <label>{t('offline_subject')}<select data-testid="offline-subject" value={subject} disabled={mailbox.trim() === ''}
          onChange={(e) => setSubject((e.target as HTMLSelectElement).value)}>
          <option value="">{t('offline_subject_none')}</option>
          {fields.map((f) => <option key={f.name} value={f.name}>{f.label} ({f.name})</option>)}
        </select></label>
        {error && <p class="form-error" role="alert" data-testid="offline-error">{error}</p>}
        {saved && <p class="saved" role="status" data-testid="offline-saved">{t('form_saved')}</p>}
        <button class="primary" type="submit" data-testid="offline-save">{t('save')}</button>
      </fieldset>
    </form>
  );
}

function UnmanagedSettings({ website }: { website: Website }) {
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

export function OfflinePanel({ website }: { website: Website }) {
  return (
    <section class="stack" data-testid="offline-panel">
      <MailOptions website={website} />
      <UnmanagedSettings website={website} />
    </section>
  );
}
