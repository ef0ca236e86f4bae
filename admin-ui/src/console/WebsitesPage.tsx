// The Websites page of the supervisor console (R1, R2, R14, R57-R59): the list, and an editor
// for a new or an existing website with its weekly working intervals, appearance and snippet.
import { useEffect, useState } from 'preact/hooks';
import { t } from '../shared/i18n';
import { ApiError } from '../shared/api';
import { me } from '../shared/api';
import {
  type Draft, type Queue, type Website,
  createWebsite, deleteWebsite, draftOf, listQueues, listWebsites, newDraft, proactiveRulesOf, saveWebsite, snippetOf, withProactiveRules,
} from './websites';
import { WeeklyEditor } from './WeeklyEditor';
import { WidgetPreview } from './WidgetPreview';
import { ProactiveRules } from './ProactiveRules';
import { FormsPanel } from './FormsPanel';
import { OfflinePanel } from './OfflinePanel';
import { loadForms, previewConfig, type ElementSpec } from './forms';

function errorText(err: unknown): string {
  const code = err instanceof ApiError ? err.code : 'network_error';
  const known: Record<string, string> = {
    invalid_website_key: t('site_error_key'),
    website_key_taken: t('site_error_key_taken'),
    invalid_allowed_domain: t('site_error_domains'),
    invalid_session_cap: t('site_error_sessions'),
    empty_name: t('site_error_name'),
    unknown_time_zone: t('site_error_zone'),
    overlapping_time_ranges: t('site_error_overlap'),
    empty_time_range: t('site_error_range'),
    invalid_time: t('site_error_range'),
    no_time_ranges: t('site_error_no_ranges'),
    invalid_language: t('site_error_language'),
    invalid_proactive_rule: t('site_error_proactive'),
    website_in_use: t('site_error_in_use'),
  };
  return known[code] ?? t('error_code', { code });
}

function Editor({ website, queues, admin, onSaved, onCancel, onDeleted }: {
  website: Website | null; queues: Queue[]; admin: boolean; onSaved: (w: Website) => void; onCancel: () => void; onDeleted: () => void;
}) {
  const [draft, setDraft] = useState<Draft>(() => (website ? draftOf(website) : newDraft(queues[0]?.queue_id ?? 0)));
  const [prechat, setPrechat] = useState<ElementSpec[] | null>(null);
  useEffect(() => {
    if (website) loadForms(website.key).then((f) => setPrechat(f.prechat_form?.elements ?? null), () => setPrechat(null));
  }, [website?.key]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [copied, setCopied] = useState(false);
  // Updates from the latest draft, not the one this render saw: two quick inputs before a
  // re-render must not undo each other.
  const field = (name: keyof Draft) => (e: Event) => {
    const value = (e.target as HTMLInputElement).value;
    setDraft((d) => ({ ...d, [name]: value }));
  };
  const look = (name: string) => (e: Event) => {
    const value = (e.target as HTMLInputElement).value;
    setDraft((d) => ({ ...d, appearance: { ...d.appearance, [name]: value } }));
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSaved(website ? await saveWebsite(website.key, draft) : await createWebsite(draft));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  /** R57: deleted only when it has no chats (the engine says which, `website_in_use`). */
  const remove = async () => {
    if (!website || !confirm(t('site_delete_confirm', { name: website.name }))) return;
    setError(null);
    try {
      await deleteWebsite(website.key);
      onDeleted();
    } catch (err) {
      setError(errorText(err) + (err instanceof ApiError && err.code === 'website_in_use' ? ` (${err.message})` : ''));
    }
  };
  const snippet = website ? snippetOf(location.origin, website.key) : '';
  const text = (key: string) => (typeof draft.appearance[key] === 'string' ? (draft.appearance[key] as string) : '');
  return (
    <form class="editor stack" onSubmit={submit} data-testid="website-editor">
      <h2>{website ? t('site_edit', { name: website.name }) : t('site_new')}</h2>
      <div class="grid2">
        <label>{t('site_key')}<input data-testid="site-key" required maxLength={5} disabled={website !== null} value={draft.key}
          onInput={field('key')} /><span class="muted">{t('site_key_hint')}</span></label>
        <label>{t('site_name')}<input data-testid="site-name" required value={draft.name} onInput={field('name')} /></label>
        <label>{t('site_description')}<input data-testid="site-description" value={draft.description} onInput={field('description')} /></label>
        <label>{t('site_queue')}<select data-testid="site-queue" value={String(draft.queue_id)}
          onChange={(e) => { const queue_id = Number((e.target as HTMLSelectElement).value); setDraft((d) => ({ ...d, queue_id })); }}>
          {queues.map((q) => <option key={q.queue_id} value={String(q.queue_id)}>{q.name}</option>)}
        </select></label>
        <label>{t('site_domains')}<textarea data-testid="site-domains" rows={3} value={draft.domains} onInput={field('domains')} />
          <span class="muted">{t('site_domains_hint')}</span></label>
        <label>{t('site_sessions')}<input data-testid="site-sessions" type="number" min={0} value={draft.max_sessions} onInput={field('max_sessions')} />
          <span class="muted">{t('site_sessions_hint')}</span></label>
        <label>{t('site_language')}<input data-testid="site-language" list="site-languages" value={draft.language} onInput={field('language')}
          placeholder="en" /></label>
        <datalist id="site-languages">{['en', 'de', 'nl', 'sv', 'cs', 'fr', 'es', 'it', 'pl'].map((l) => <option key={l} value={l} />)}</datalist>
      </div>
      <WeeklyEditor draft={draft} onChange={setDraft} />
      <fieldset class="stack">
        <legend>{t('site_appearance')}</legend>
        <div class="row appearance">
          <div class="grid2">
            <label>{t('site_title_online')}<input data-testid="look-title-online" value={text('title_online')} onInput={look('title_online')} /></label>
            <label>{t('site_title_offline')}<input value={text('title_offline')} onInput={look('title_offline')} /></label>
            <label>{t('site_launcher')}<input data-testid="look-launcher" value={text('launcher_label')} onInput={look('launcher_label')} /></label>
            <label>{t('site_color')}<input type="color" data-testid="look-color" value={text('primary_color') || '#1f6feb'} onInput={look('primary_color')} /></label>
            <label>{t('site_position')}<select value={text('position') || 'right'} onChange={look('position')}>
              <option value="right">{t('site_position_right')}</option><option value="left">{t('site_position_left')}</option>
            </select></label>
          </div>
          {admin && (
            <WidgetPreview config={previewConfig({
              key: website?.key ?? 'new', name: draft.name, offline: false, appearance: draft.appearance,
              language: draft.language.trim() || null, prechat, offlineForm: null,
            })} />
          )}
        </div>
      </fieldset>
      <ProactiveRules rules={proactiveRulesOf(draft.appearance)}
        onChange={(rules) => setDraft((d) => ({ ...d, appearance: withProactiveRules(d.appearance, rules) }))} />
      {website && (
        <fieldset class="stack">
          <legend>{t('site_snippet')}</legend>
          <p class="muted">{t('site_snippet_hint')}</p>
          <textarea readOnly rows={2} data-testid="site-snippet" value={snippet} />
          <button type="button" data-testid="copy-snippet"
            onClick={() => navigator.clipboard?.writeText(snippet).then(() => setCopied(true), () => setCopied(false))}>
            {copied ? t('site_copied') : t('site_copy')}</button>
        </fieldset>
      )}
      {error && <p class="form-error" role="alert" data-testid="site-error">{error}</p>}
      <div class="row">
        <button class="primary" type="submit" data-testid="site-save" disabled={busy}>{website ? t('save') : t('site_create')}</button>
        <button type="button" onClick={onCancel}>{t('cancel')}</button>
        {website && admin && <><span class="spacer" />
          <button type="button" class="danger" data-testid="site-delete" onClick={remove}>{t('site_delete')}</button></>}
      </div>
    </form>
  );
}

type Tab = 'profile' | 'forms' | 'offline';
const TABS: Tab[] = ['profile', 'forms', 'offline'];

/** An existing website's pages: its profile, its forms, its offline and unmanaged handling. */
function WebsiteTabs(props: { website: Website; queues: Queue[]; admin: boolean; onSaved: (w: Website) => void; onCancel: () => void; onDeleted: () => void }) {
  const [tab, setTab] = useState<Tab>('profile');
  const { website } = props;
  return (
    <section class="editor stack">
      <div class="site-tabs row" role="tablist">
        {TABS.map((id) => (
          <button key={id} type="button" role="tab" aria-selected={tab === id} class={tab === id ? 'site-tab active' : 'site-tab'}
            data-testid={`tab-${id}`} onClick={() => setTab(id)}>{t(`site_tab_${id}` as 'site_tab_profile')}</button>
        ))}
      </div>
      {tab === 'profile' && <Editor {...props} />}
      {tab === 'forms' && <FormsPanel website={website} appearance={website.appearance} preview={props.admin} />}
      {tab === 'offline' && <OfflinePanel website={website} />}
    </section>
  );
}

function hoursSummary(website: Website): string {
  const ranges = website.working_hours.ranges ?? [];
  if (ranges.length === 0) return t('site_hours_always');
  return ranges.map((r) => `${r.days.map((d) => t(`day_${d}` as 'day_mon')).join(' ')} ${r.start}–${r.end}`).join(', ') + ` (${website.time_zone})`;
}

export function WebsitesPage() {
  const [websites, setWebsites] = useState<Website[] | null>(null);
  const [queues, setQueues] = useState<Queue[]>([]);
  const [editing, setEditing] = useState<Website | 'new' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [admin, setAdmin] = useState(false);
  useEffect(() => { me().then((u) => setAdmin(u.role === 'admin'), () => setAdmin(false)); }, []);
  const load = () => Promise.all([listWebsites(), listQueues()]).then(([w, q]) => {
    setWebsites(w.websites);
    setQueues(q.queues);
  }, (err) => setError(errorText(err)));
  useEffect(() => { load(); }, []);
  const queueName = (id: number) => queues.find((q) => q.queue_id === id)?.name ?? `#${id}`;
  return (
    <main class="console" data-testid="websites-page">
      <section class="console-list stack">
        <div class="row"><h1>{t('section_websites')}</h1><span class="spacer" />
          <button class="primary" data-testid="new-website" onClick={() => { setSaved(null); setEditing('new'); }}>{t('site_new')}</button></div>
        {error && <p class="form-error" role="alert">{error}</p>}
        {saved && <p class="saved" role="status" data-testid="site-saved">{t('site_saved', { name: saved })}</p>}
        {websites === null ? <p class="muted">…</p> : (
          <table class="list" data-testid="websites">
            <thead><tr><th>{t('site_key')}</th><th>{t('site_name')}</th><th>{t('site_queue')}</th><th>{t('site_hours')}</th><th>{t('site_sessions')}</th></tr></thead>
            <tbody>
              {websites.map((w) => (
                <tr key={w.id} class={editing !== 'new' && editing?.id === w.id ? 'selected' : ''} data-testid={`website-${w.key}`}>
                  <td><span class="website-key">{w.key}</span></td>
                  <td><button class="link" onClick={() => { setSaved(null); setEditing(w); }}>{w.name}</button></td>
                  <td>{queueName(w.queue_id)}</td>
                  <td>{hoursSummary(w)}</td>
                  <td>{w.max_concurrent_sessions === 0 ? t('site_no_limit') : w.max_concurrent_sessions}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {editing === 'new' && (
        <Editor key="new" website={null} queues={queues} admin={admin} onCancel={() => setEditing(null)} onDeleted={() => undefined}
          onSaved={(w) => { setSaved(w.name); setEditing(w); load(); }} />
      )}
      {editing !== null && editing !== 'new' && (
        <WebsiteTabs key={editing.id} website={editing} queues={queues} admin={admin} onCancel={() => setEditing(null)}
          onDeleted={() => { setEditing(null); load(); }}
          onSaved={(w) => { setSaved(w.name); setEditing(w); load(); }} />
      )}
    </main>
  );
}
