// R64: what the engine mails for each offline message: forward it to an address, and open a new
// interaction in a mailbox with a subject taken from an offline-form field.
import { useEffect, useState } from 'preact/hooks';
import { t } from '../shared/i18n';
import { loadForms, loadOfflineOptions, offlineOptionsBody, saveOfflineOptions, subjectFields, type ElementSpec } from './forms';
import type { Website } from './websites';
import { errorText } from './offlineErrors';

export function OfflineMailOptions({ website }: { website: Website }) {
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
