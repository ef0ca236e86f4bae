// The Websites page of the supervisor console (R1, R2, R14, R57-R59): the list, and an editor
// for a new or an existing website with its weekly working intervals, appearance and snippet.
import { useEffect, useState } from 'preact/hooks';
import { t } from '../shared/i18n';
import { ApiError } from '../shared/api';
import {
  DAYS, type Day, type Draft, type Queue, type Range, type Website,
  createWebsite, draftOf, listQueues, listWebsites, newDraft, saveWebsite, snippetOf,
} from './websites';

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
  };
  return known[code] ?? t('error_code', { code });
}

function zones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (kind: string) => string[] };
  return intl.supportedValuesOf ? intl.supportedValuesOf('timeZone') : ['UTC'];
}

/** R58: Always, or weekly ranges in a time zone. */
function WeeklyEditor({ draft, onChange }: { draft: Draft; onChange: (d: Draft) => void }) {
  const setRange = (i: number, range: Range) => onChange({ ...draft, ranges: draft.ranges.map((r, j) => (j === i ? range : r)) });
  const toggleDay = (i: number, day: Day) => {
    const range = draft.ranges[i];
    const days = range.days.includes(day) ? range.days.filter((d) => d !== day) : DAYS.filter((d) => d === day || range.days.includes(d));
    setRange(i, { ...range, days });
  };
  return (
    <fieldset class="stack" data-testid="working-hours">
      <legend>{t('site_hours')}</legend>
      <label class="row"><input type="checkbox" data-testid="hours-always" checked={draft.always}
        onChange={(e) => {
          const always = (e.target as HTMLInputElement).checked;
          const ranges = !always && draft.ranges.length === 0 ? [{ days: DAYS.slice(0, 5), start: '09:00', end: '17:00' }] : draft.ranges;
          onChange({ ...draft, always, ranges });
        }} />{t('site_hours_always')}</label>
      <label>{t('site_time_zone')}<input data-testid="time-zone" list="time-zones" value={draft.time_zone}
        onInput={(e) => onChange({ ...draft, time_zone: (e.target as HTMLInputElement).value })} /></label>
      <datalist id="time-zones">{zones().map((z) => <option key={z} value={z} />)}</datalist>
      {!draft.always && (
        <>
          <table class="weekly">
            <thead><tr>{DAYS.map((d) => <th key={d}>{t(`day_${d}` as 'day_mon')}</th>)}<th>{t('site_from')}</th><th>{t('site_to')}</th><th /></tr></thead>
            <tbody>
              {draft.ranges.map((range, i) => (
                <tr key={i} data-testid="hours-range">
                  {DAYS.map((d) => (
                    <td key={d}><input type="checkbox" aria-label={t(`day_${d}` as 'day_mon')} data-testid={`range-${i}-${d}`}
                      checked={range.days.includes(d)} onChange={() => toggleDay(i, d)} /></td>
                  ))}
                  <td><input type="time" data-testid={`range-${i}-start`} value={range.start} aria-label={t('site_from')}
                    onInput={(e) => setRange(i, { ...range, start: (e.target as HTMLInputElement).value })} /></td>
                  <td><input type="time" data-testid={`range-${i}-end`} value={range.end === '24:00' ? '23:59' : range.end} aria-label={t('site_to')}
                    onInput={(e) => setRange(i, { ...range, end: (e.target as HTMLInputElement).value })} /></td>
                  <td><button type="button" onClick={() => onChange({ ...draft, ranges: draft.ranges.filter((_, j) => j !== i) })}>{t('remove')}</button></td>
                </tr>
              ))}
            </tbody>
          </table>
          <p class="muted">{t('site_hours_hint')}</p>
          <button type="button" data-testid="add-range"
            onClick={() => onChange({ ...draft, ranges: [...draft.ranges, { days: [], start: '09:00', end: '17:00' }] })}>{t('site_add_range')}</button>
        </>
      )}
    </fieldset>
  );
}

/** R14: the widget's launcher and header as the appearance draws them. */
function AppearancePreview({ appearance }: { appearance: Record<string, unknown> }) {
  const color = typeof appearance.primary_color === 'string' ? appearance.primary_color : '#1f6feb';
  const text = (key: string) => (typeof appearance[key] === 'string' ? (appearance[key] as string) : '');
  return (
    <div class={`widget-preview widget-${appearance.position === 'left' ? 'left' : 'right'}`} data-testid="appearance-preview" aria-label={t('site_preview')}>
      <div class="widget-window">
        <div class="widget-head" style={{ background: color }}>{text('title_online')}</div>
        <div class="widget-body muted">{text('title_offline')}</div>
      </div>
      <span class="widget-launcher" style={{ background: color }}>{text('launcher_label')}</span>
    </div>
  );
}

function Editor({ website, queues, onSaved, onCancel }: {
  website: Website | null; queues: Queue[]; onSaved: (w: Website) => void; onCancel: () => void;
}) {
  const [draft, setDraft] = useState<Draft>(() => (website ? draftOf(website) : newDraft(queues[0]?.queue_id ?? 0)));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [copied, setCopied] = useState(false);
  const field = (name: keyof Draft) => (e: Event) => setDraft({ ...draft, [name]: (e.target as HTMLInputElement).value });
  const look = (name: string) => (e: Event) => setDraft({ ...draft, appearance: { ...draft.appearance, [name]: (e.target as HTMLInputElement).value } });
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
          onChange={(e) => setDraft({ ...draft, queue_id: Number((e.target as HTMLSelectElement).value) })}>
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
          <AppearancePreview appearance={draft.appearance} />
        </div>
      </fieldset>
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
      </div>
    </form>
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
      {editing !== null && (
        <Editor key={editing === 'new' ? 'new' : editing.id} website={editing === 'new' ? null : editing} queues={queues}
          onCancel={() => setEditing(null)}
          onSaved={(w) => { setSaved(w.name); setEditing(w); load(); }} />
      )}
    </main>
  );
}
