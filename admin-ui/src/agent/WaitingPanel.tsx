import { useEffect, useState } from 'preact/hooks';
import { t } from '../shared/i18n';
import type { ChatPreview, TransferTargets } from '../shared/protocol';
import type { AgentController } from './controller';
import type { AgentState } from './state';
import { elapsed } from './rules';
import { DetailsList } from './VisitorPanel';
import { dateTime, clock } from '../shared/i18n';

/** R34: every chat waiting in the agent's queues, live. */
export function WaitingPanel({ state, controller, now }: { state: AgentState; controller: AgentController; now: number }) {
  return (
    <nav class="waiting" aria-label={t('waiting')} data-testid="waiting">
      <h2>{t('waiting')}</h2>
      {state.waitingLists.map((list) => (
        <section key={list.queue_id}>
          <h3>{list.queue_name} <span class="count">{list.total}</span></h3>
          {list.entries.length === 0 ? <p class="muted">{t('waiting_none')}</p> : (
            <ol>
              {list.entries.map((entry) => {
                const d = entry.visitor_details;
                return (
                  <li key={entry.chat_id}>
                    <button class="waiting-entry" data-testid="waiting-entry" onClick={() => controller.preview(entry.chat_id)}>
                      <span class="row spread"><strong>{entry.visitor_name}</strong><span class="tab-timer">{elapsed(entry.requested_at_ms, now)}</span></span>
                      <span class="muted">{t('entry_web')} · <span class="website-key">{entry.website_key}</span>
                        {d.language ? ` · ${d.language}` : ''}{d.browser ? ` · ${d.browser}` : ''}{d.os ? ` · ${d.os}` : ''}</span>
                      {Object.keys(d.fields ?? {}).length > 0 && (
                        <span class="muted fields">{Object.entries(d.fields).map(([k, v]) => `${k}: ${typeof v === 'object' ? '…' : String(v)}`).join(' · ')}</span>
                      )}
                    </button>
                  </li>
                );
              })}
            </ol>
          )}
          {list.total > list.entries.length && (
            <p class="muted" data-testid="waiting-more">{t('waiting_more', { n: list.total - list.entries.length })}</p>
          )}
        </section>
      ))}
    </nav>
  );
}

/** R35, R36: the client preview of a waiting chat, with accept and redirect. */
export function PreviewDialog({ preview, controller }: { preview: ChatPreview; controller: AgentController }) {
  const [targets, setTargets] = useState<TransferTargets | null>(null);
  const [queue, setQueue] = useState('');
  useEffect(() => { controller.rest.targets().then(setTargets, () => setTargets(null)); }, [preview.chat_id]);
  const queues = targets?.queues.filter((q) => q.queue_id !== preview.queue_id) ?? [];
  return (
    <div class="modal-backdrop">
      <section class="modal preview" role="dialog" aria-modal="true" aria-labelledby="preview-title" data-testid="preview">
        <header class="row spread">
          <h2 id="preview-title">{preview.visitor_name} <span class="website-key">{preview.website_key}</span></h2>
          <button class="link" aria-label={t('close')} onClick={() => controller.closePreview()}>×</button>
        </header>
        <p class="muted">{preview.queue_name}{preview.position !== null ? ` · ${t('position', { n: preview.position })}` : ''}</p>
        <div class="preview-grid">
          <div>
            <h3>{t('messages_so_far')}</h3>
            <ol class="transcript small" data-testid="preview-messages">
              {preview.events.filter((e) => e.kind === 'message').map((e) => (
                <li key={e.seq} class={`bubble ${e.author.kind === 'visitor' ? 'them' : 'us'}`}>
                  <span class="time">{clock(e.at_ms)}</span> <p class="text">{e.text}</p></li>
              ))}
            </ol>
          </div>
          <div>
            <DetailsList details={preview.visitor_details} />
            <h3>{t('pages_visited')}</h3>
            <ol class="pages">{preview.pages.map((p, i) => <li key={i} title={p.url}>{p.title || p.url}</li>)}</ol>
            <h3>{t('past_sessions')}</h3>
            {preview.past_sessions.length === 0 ? <p class="muted">{t('none')}</p> : (
              <ul class="past">{preview.past_sessions.map((p) => (
                <li key={p.chat_id}>{dateTime(p.requested_at_ms)} · {p.agent_name ?? '—'} · {p.disposition ?? p.state}</li>))}</ul>
            )}
          </div>
        </div>
        <footer class="row">
          <button class="primary" data-testid="preview-accept" onClick={() => controller.pick(preview.chat_id)}>{t('preview_accept')}</button>
          <select aria-label={t('redirect_to')} value={queue} onChange={(e) => setQueue((e.target as HTMLSelectElement).value)}>
            <option value="">{t('redirect_to')}</option>
            {queues.map((q) => <option key={q.queue_id} value={String(q.queue_id)}>{q.name}</option>)}
          </select>
          <button disabled={!queue} onClick={() => controller.redirect(preview.chat_id, Number(queue))}>{t('redirect')}</button>
        </footer>
      </section>
    </div>
  );
}
