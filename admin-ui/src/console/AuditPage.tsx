// The Audit log page of the console, an admin's (R71): who did what and when, newest first,
// filtered by user, action and time, a page at a time (docs/protocol.md 4.52).
import { useEffect, useState } from 'preact/hooks';
import { t, language } from '../shared/i18n';
import { ApiError } from '../shared/api';
import { ACTION_GROUPS, type AuditEntry, type AuditFilter, auditLog, detailsLine, emptyFilter } from './audit';

const PAGE = 50;

function errorText(err: unknown): string {
  return t('error_code', { code: err instanceof ApiError ? err.code : 'network_error' });
}

export function AuditPage() {
  const [draft, setDraft] = useState<AuditFilter>(emptyFilter());
  const [filter, setFilter] = useState<AuditFilter>(emptyFilter());
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [next, setNext] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = (wanted: AuditFilter, before: number | null) => {
    setError(null);
    auditLog(wanted, PAGE, before).then((page) => {
      setEntries((shown) => (before === null ? page.entries : [...(shown ?? []), ...page.entries]));
      setNext(page.next_before);
    }, (err) => setError(errorText(err)));
  };
  useEffect(() => load(filter, null), [filter]);
  const apply = (e: Event) => {
    e.preventDefault();
    setFilter({ ...draft });
  };
  const set = (change: Partial<AuditFilter>) => setDraft((d) => ({ ...d, ...change }));
  const when = new Intl.DateTimeFormat(language(), { dateStyle: 'short', timeStyle: 'medium' });
  return (
    <main class="console single" data-testid="audit-page">
      <section class="console-list stack">
        <h1>{t('section_audit')}</h1>
        <form class="row wrap" onSubmit={apply} data-testid="audit-filter">
          <label>{t('audit_user')}<input data-testid="audit-user" value={draft.user} onInput={(e) => set({ user: (e.target as HTMLInputElement).value })} /></label>
          <label>{t('audit_action')}<input data-testid="audit-action" list="audit-actions" value={draft.action}
            onInput={(e) => set({ action: (e.target as HTMLInputElement).value })} /></label>
          <datalist id="audit-actions">{ACTION_GROUPS.map((a) => <option key={a} value={a} />)}</datalist>
          <label>{t('audit_from')}<input type="datetime-local" data-testid="audit-from" value={draft.from} onInput={(e) => set({ from: (e.target as HTMLInputElement).value })} /></label>
          <label>{t('audit_to')}<input type="datetime-local" data-testid="audit-to" value={draft.to} onInput={(e) => set({ to: (e.target as HTMLInputElement).value })} /></label>
          <button class="primary" type="submit" data-testid="audit-apply">{t('audit_apply')}</button>
          <button type="button" onClick={() => { setDraft(emptyFilter()); setFilter(emptyFilter()); }}>{t('audit_clear')}</button>
        </form>
        {error && <p class="form-error" role="alert">{error}</p>}
        {entries === null ? <p class="muted">…</p> : entries.length === 0 ? <p class="muted" data-testid="audit-empty">{t('audit_empty')}</p> : (
          <table class="list" data-testid="audit-entries">
            <thead><tr><th>{t('audit_time')}</th><th>{t('audit_user')}</th><th>{t('audit_action')}</th><th>{t('audit_target')}</th><th>{t('audit_details')}</th></tr></thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.id} data-testid={`audit-${e.action}`}>
                  <td>{when.format(new Date(e.at_ms))}</td>
                  <td>{e.username}</td>
                  <td><code>{e.action}</code></td>
                  <td>{e.target}</td>
                  <td title={JSON.stringify(e.details)}><code>{detailsLine(e.details)}</code></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {next !== null && <div class="row"><button data-testid="audit-more" onClick={() => load(filter, next)}>{t('audit_more')}</button></div>}
      </section>
    </main>
  );
}
