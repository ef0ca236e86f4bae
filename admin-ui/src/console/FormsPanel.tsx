// A website's forms (R62, R63, R74): the pre-chat and offline forms side by side with the real
// widget's live preview, and each field's contact mapping; saved together (forms first, then
// the mapping, which may name only fields the forms have).
import { useEffect, useState } from 'preact/hooks';
import { t } from '../shared/i18n';
import { ApiError } from '../shared/api';
import { FormBuilder } from './FormBuilder';
import { WidgetPreview } from './WidgetPreview';
import {
  type ContactMapping, type ElementSpec, elementOfError, fieldNames, formsBody, loadForms, loadMapping, previewConfig,
  prunedMapping, saveForms, saveMapping,
} from './forms';
import type { Website } from './websites';

type Errors = { prechat: Map<number, string>; offline: Map<number, string>; other: string | null };
const noErrors = (): Errors => ({ prechat: new Map(), offline: new Map(), other: null });

/** The engine's `invalid_fields` answer, each error next to the element it names. */
function placed(err: unknown): Errors {
  const errors = noErrors();
  if (err instanceof ApiError && err.code === 'invalid_fields') {
    for (const f of err.fields) {
      const where = f.field === 'prechat_form' ? errors.prechat : f.field === 'offline_form' ? errors.offline : null;
      if (where) where.set(elementOfError(f.message) ?? -1, f.message);
    }
    return errors;
  }
  const code = err instanceof ApiError ? err.code : 'network_error';
  errors.other = code === 'unknown_form_field' || code === 'invalid_contact_field'
    ? `${t('form_error_mapping')} ${err instanceof ApiError ? err.message : ''}`
    : t('error_code', { code });
  return errors;
}

export function FormsPanel({ website, appearance, preview }: { website: Website; appearance: Record<string, unknown>; preview: boolean }) {
  const [prechat, setPrechat] = useState<ElementSpec[] | null>(null);
  const [offline, setOffline] = useState<ElementSpec[] | null>(null);
  const [mapping, setMapping] = useState<ContactMapping | null>(null);
  const [errors, setErrors] = useState<Errors>(noErrors);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const [showOffline, setShowOffline] = useState(false);
  useEffect(() => {
    Promise.all([loadForms(website.key), loadMapping(website.key)]).then(([forms, m]) => {
      setPrechat(forms.prechat_form?.elements ?? null);
      setOffline(forms.offline_form?.elements ?? null);
      setMapping(m);
    }, (err) => setErrors(placed(err)));
  }, [website.key]);
  if (mapping === null) return <section class="stack">{errors.other ? <p class="form-error" role="alert">{errors.other}</p> : <p class="muted">…</p>}</section>;
  const save = async () => {
    setBusy(true);
    setSaved(false);
    setErrors(noErrors());
    try {
      const stored = await saveForms(website.key, formsBody(prechat, offline));
      setPrechat(stored.prechat_form?.elements ?? null);
      setOffline(stored.offline_form?.elements ?? null);
      const names = fieldNames(stored.prechat_form?.elements ?? null, stored.effective_offline_form.elements);
      setMapping(await saveMapping(website.key, prunedMapping(mapping, names)));
      setSaved(true);
    } catch (err) {
      setErrors(placed(err));
    } finally {
      setBusy(false);
    }
  };
  const changed = (set: (e: ElementSpec[] | null) => void) => (e: ElementSpec[] | null) => { setSaved(false); set(e); };
  return (
    <section class="stack" data-testid="forms-panel">
      <div class="forms-layout">
        <div class="stack">
          <FormBuilder id="prechat" title={t('form_prechat')} offLabel={t('form_prechat_off')} elements={prechat} onChange={changed(setPrechat)}
            mapping={mapping} onMapping={setMapping} errors={errors.prechat} />
          <FormBuilder id="offline" title={t('form_offline')} offLabel={t('form_offline_off')} elements={offline} onChange={changed(setOffline)}
            mapping={mapping} onMapping={setMapping} errors={errors.offline} />
          <p class="muted">{t('form_mapping_hint')}</p>
          {errors.other && <p class="form-error" role="alert" data-testid="forms-error">{errors.other}</p>}
          {saved && <p class="saved" role="status" data-testid="forms-saved">{t('form_saved')}</p>}
          <div class="row"><button class="primary" type="button" data-testid="forms-save" disabled={busy} onClick={save}>{t('save')}</button></div>
        </div>
        {preview && (
          <aside class="stack preview-column">
            <div class="row" role="group" aria-label={t('site_preview')}>
              <label class="row"><input type="radio" name="preview-mode" checked={!showOffline} data-testid="preview-online"
                onChange={() => setShowOffline(false)} />{t('form_prechat')}</label>
              <label class="row"><input type="radio" name="preview-mode" checked={showOffline} data-testid="preview-offline"
                onChange={() => setShowOffline(true)} />{t('form_offline')}</label>
            </div>
            <WidgetPreview config={previewConfig({
              key: website.key, name: website.name, offline: showOffline, appearance, language: website.language,
              prechat, offlineForm: offline,
            })} />
          </aside>
        )}
      </div>
    </section>
  );
}
