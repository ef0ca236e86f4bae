// The chat logs of the supervisor console (R85, R87): search by time, website, queue, agent,
// disposition and text (private messages included), page through the results, export them
// as CSV, and open one chat's full log: transcript with private messages marked, form values,
// notes, wrap-ups and the routing trail (each offer with its agent, time and outcome).
import { useEffect, useState } from 'preact/hooks';
import { t, dateTime } from '../shared/i18n';
import { ApiError } from '../shared/api';
import { listQueues, listWebsites, type Queue, type Website } from './websites';
import { listAgents, type Agent } from './queues';
import {
  chatLog, csvHref, DISPOSITIONS, durationText, NO_FILTERS, offerTrail, searchLogs, type ChatLog, type LogEntry, type LogFilters,
} from './logs';
import { formRows } from './review';
import { LogTranscript, ValueTable } from './LogTranscript';

const PAGE = 50;

function errorText(err: unknown): string {
  const code = err instanceof ApiError ? err.code : 'network_error';
  return code === 'invalid_log_search' && err instanceof ApiError ? t('log_bad_search', { detail: err.message }) : t('error_code', { code });
}

const dispositionText = (d: string | null) => (d ? t(`disposition_${d}` as 'disposition_timeout') : t('log_ongoing'));

function Trail({ log }: { log: ChatLog }) {
  const rows = offerTrail(log.routing);
  if (rows.length === 0) return <p class="muted">{t('log_no_routing')}</p>;
  return (
    <table class="list" data-testid="log-routing">
      <thead><tr><th>{t('review_when')}</th><th>{t('log_step')}</th><th>{t('log_agent')}</th><th>{t('log_outcome')}</th></tr></thead>
      <tbody>
        {rows.map((r, i) => (
          <tr key={i} data-testid={`trail-${r.step}`}>
            <td>{dateTime(r.at_ms)}</td>
            <td>{t(`step_${r.step}` as 'step_offered')}</td>
            <td>{r.agent_name}</td>
            <td>{r.outcome ? t(`outcome_${r.outcome}` as 'outcome_accepted') : r.detail}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function LogDetail({ chatId }: { chatId: number }) {
  const [log, setLog] = useState<ChatLog | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => { chatLog(chatId).then(setLog, (err) => setError(errorText(err))); }, [chatId]);
  if (!log) return <section class="editor">{error ? <p class="form-error" role="alert">{error}</p> : <p class="muted">…</p>}</section>;
  const general = [
    { label: t('log_chat'), value: `#${log.chat_id}` },
    { label: t('log_website'), value: log.website_key },
    { label: t('log_queue'), value: log.queue_name ?? String(log.queue_id) },
    { label: t('log_agents'), value: log.agents.map((a) => a.display_name).join(', ') },
    { label: t('log_visitor'), value: [log.visitor_name, log.visitor_email].filter(Boolean).join(' · ') },
    { label: t('log_started'), value: dateTime(log.requested_at_ms) },
    { label: t('log_ended'), value: log.ended_at_ms ? dateTime(log.ended_at_ms) : '' },
    { label: t('log_duration'), value: durationText(log.duration_ms) },
    { label: t('log_disposition'), value: dispositionText(log.disposition) },
  ];
  return (
    <section class="editor stack" data-testid="log-detail">
      <h2>{t('log_chat')} #{log.chat_id}: {log.visitor_name}</h2>
      <ValueTable rows={general} testid="log-general" />
      <h3>{t('review_form')}</h3>
      <ValueTable rows={formRows(null, log.visitor_details.fields ?? {})} testid="log-form" />
      <h3>{t('review_transcript')}</h3>
      <LogTranscript events={log.events} />
      {log.left_message && (<><h3>{t('review_left_message')}</h3><p class="pre">{log.left_message.text}</p></>)}
      <h3>{t('log_wrap_ups')}</h3>
      {log.wrap_ups.length === 0 ? <p class="muted">—</p> : (
        <ul data-testid="log-wrap-ups">
          {log.wrap_ups.map((w, i) => <li key={i}>{w.agent_name}: {w.reason_label ?? t('log_wrap_up_owed')}{w.auto ? ` (${t('log_auto')})` : ''}{w.note ? ` — ${w.note}` : ''}</li>)}
        </ul>
      )}
      <h3>{t('log_notes')}</h3>
      {log.notes.length === 0 ? <p class="muted">—</p> : (
        <ul class="notes" data-testid="log-notes">
          {log.notes.map((n) => <li key={n.note_id}><span class="muted">{n.author_name}, {dateTime(n.at_ms)}:</span> {n.text}</li>)}
        </ul>
      )}
      <h3>{t('log_routing')}</h3>
      <Trail log={log} />
    </section>
  );
}

export function LogsPage() {
  const [draft, setDraft] = useState<LogFilters>(NO_FILTERS);
  const [filters, setFilters] = useState<LogFilters>(NO_FILTERS);
  const [rows, setRows] = useState<LogEntry[] | null>(null);
  const [next, setNext] = useState<number | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const [websites, setWebsites] = useState<Website[]>([]);
  const [queues, setQueues] = useState<Queue[]>([]);
  const [agents, setAgents] = useState<Agent[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    listWebsites().then((w) => setWebsites(w.websites), () => undefined);
    listQueues().then((q) => setQueues(q.queues), () => undefined);
    listAgents().then((a) => setAgents(a.agents), () => undefined);
  }, []);
  const load = (wanted: LogFilters, before: number | null) => searchLogs(wanted, { limit: PAGE, before }).then((page) => {
    setRows((old) => (before === null ? page.chats : [...(old ?? []), ...page.chats]));
    setNext(page.next_before);
    setError(null);
  }, (err) => setError(errorText(err)));
  useEffect(() => { load(filters, null); }, [filters]);
  const field = (name: keyof LogFilters) => (e: Event) => {
    const value = (e.target as HTMLInputElement).value;
    setDraft((d) => ({ ...d, [name]: value }));
  };
  const search = (e: Event) => { e.preventDefault(); setSelected(null); setFilters({ ...draft }); };
  return (
    <main class="console logs" data-testid="logs-page">
      <section class="console-list stack">
        <h1>{t('section_logs')}</h1>
        <form class="stack" onSubmit={search} data-testid="log-search">
          <div class="grid2">
            <label>{t('log_from')}<input type="datetime-local" data-testid="log-from" value={draft.from} onInput={field('from')} /></label>
            <label>{t('log_to')}<input type="datetime-local" data-testid="log-to" value={draft.to} onInput={field('to')} /></label>
            <label>{t('log_website')}<select data-testid="log-website" value={draft.website} onChange={field('website')}>
              <option value="">{t('log_all_websites')}</option>
              {websites.map((w) => <option key={w.key} value={w.key}>{w.name} ({w.key})</option>)}
            </select></label>
            <label>{t('log_queue')}<select data-testid="log-queue" value={draft.queue} onChange={field('queue')}>
              <option value="">{t('log_all_queues')}</option>
              {queues.map((q) => <option key={q.queue_id} value={String(q.queue_id)}>{q.name}</option>)}
            </select></label>
            <label>{t('log_agent')}<select data-testid="log-agent" value={draft.agent} onChange={field('agent')}>
              <option value="">{t('log_all_agents')}</option>
              {agents.map((a) => <option key={a.user_id} value={String(a.user_id)}>{a.display_name}</option>)}
            </select></label>
            <label>{t('log_disposition')}<select data-testid="log-disposition" value={draft.disposition} onChange={field('disposition')}>
              <option value="">{t('log_all_dispositions')}</option>
              {DISPOSITIONS.map((d) => <option key={d} value={d}>{dispositionText(d)}</option>)}
            </select></label>
          </div>
          <label>{t('log_text')}<input type="search" data-testid="log-q" maxLength={200} placeholder={t('log_text_hint')} value={draft.q} onInput={field('q')} /></label>
          <div class="row">
            <button class="primary" type="submit" data-testid="log-search-submit">{t('log_search')}</button>
            <button type="button" onClick={() => { setDraft(NO_FILTERS); setFilters(NO_FILTERS); }}>{t('log_clear')}</button>
            <a class="button" href={csvHref(filters)} download="chat-logs.csv" data-testid="log-export">{t('log_export')}</a>
          </div>
        </form>
        {error && <p class="form-error" role="alert" data-testid="log-error">{error}</p>}
        {rows === null ? <p class="muted">…</p> : rows.length === 0 ? <p class="muted" data-testid="log-empty">{t('log_empty')}</p> : (
          <table class="list" data-testid="log-results">
            <thead><tr><th>{t('log_started')}</th><th>{t('log_visitor')}</th><th>{t('log_website')}</th><th>{t('log_agents')}</th><th>{t('log_disposition')}</th><th>{t('log_duration')}</th><th>{t('log_messages')}</th></tr></thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.chat_id} class={selected === r.chat_id ? 'selected' : ''} data-testid={`log-${r.chat_id}`}>
                  <td>{dateTime(r.requested_at_ms)}</td>
                  <td><button class="link" onClick={() => setSelected(r.chat_id)}>{r.visitor_name}</button>{r.visitor_email && <div class="muted">{r.visitor_email}</div>}</td>
                  <td>{r.website_key}{r.queue_name && <div class="muted">{r.queue_name}</div>}</td>
                  <td>{r.agents.map((a) => a.display_name).join(', ')}</td>
                  <td>{dispositionText(r.disposition)}{r.wrap_up_reasons.length > 0 && <div class="muted">{r.wrap_up_reasons.join(', ')}</div>}</td>
                  <td>{durationText(r.duration_ms)}</td>
                  <td>{r.message_count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {next !== null && <button data-testid="log-more" onClick={() => load(filters, next)}>{t('log_more')}</button>}
      </section>
      {selected !== null && <LogDetail key={selected} chatId={selected} />}
    </main>
  );
}
