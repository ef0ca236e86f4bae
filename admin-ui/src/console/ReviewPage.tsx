// The review desk of the supervisor console (R81): offline messages and chats nobody took or
// attended, per website, open or handled. A detail shows why it ended, the form data, the
// transcript and the files; the supervisor replies by mail and marks it handled.
import { useEffect, useState } from 'preact/hooks';
import { t, dateTime } from '../shared/i18n';
import { ApiError } from '../shared/api';
import { listWebsites, type Website } from './websites';
import {
  chatDetail, closeItem, formRows, listOffline, listReviewChats, mergeReviewItems, offlineDetail, offlineFileHref, replyProblem, replyTo, REVIEW_PAGE,
  type ChatReviewDetail, type OfflineDetail, type ReviewFilter, type ReviewItem,
} from './review';
import { LogTranscript, ValueTable } from './LogTranscript';

function errorText(err: unknown): string {
  const code = err instanceof ApiError ? err.code : 'network_error';
  return code === 'no_visitor_address' ? t('review_no_address') : code === 'smtp_not_configured' ? t('review_no_smtp') : t('error_code', { code });
}

const kindLabel = (kind: string) => t(`review_kind_${kind}` as 'review_kind_offline');

function ReplyComposer({ item, to, onSent }: { item: ReviewItem; to: string | null; onSent: () => void }) {
  const [subject, setSubject] = useState('');
  const [body, setBody] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState(false);
  const [busy, setBusy] = useState(false);
  if (!to) return <p class="muted" data-testid="review-no-address">{t('review_no_address')}</p>;
  const send = async (e: Event) => {
    e.preventDefault();
    const problem = replyProblem(subject, body);
    if (problem) { setError(t(problem)); return; }
    setBusy(true);
    setError(null);
    try {
      await replyTo(item, subject.trim(), body);
      setSent(true);
      setSubject('');
      setBody('');
      onSent();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="stack" onSubmit={send} data-testid="reply-form">
      <h3>{t('review_reply_to', { to })}</h3>
      <label>{t('review_subject')}<input data-testid="reply-subject" maxLength={200} value={subject}
        onInput={(e) => { setSubject((e.target as HTMLInputElement).value); setSent(false); }} /></label>
      <label>{t('review_body')}<textarea data-testid="reply-body" rows={6} value={body}
        onInput={(e) => { setBody((e.target as HTMLTextAreaElement).value); setSent(false); }} /></label>
      {error && <p class="form-error" role="alert" data-testid="reply-error">{error}</p>}
      {sent && <p class="saved" role="status" data-testid="reply-sent">{t('review_reply_sent', { to })}</p>}
      <div class="row"><button class="primary" type="submit" data-testid="reply-send" disabled={busy}>{t('review_send')}</button></div>
    </form>
  );
}

function Replies({ replies }: { replies: { who: string; to: string; subject: string; body: string; at: number }[] }) {
  if (replies.length === 0) return null;
  return (
    <>
      <h3>{t('review_replies')}</h3>
      <ul class="replies" data-testid="review-replies">
        {replies.map((r, i) => (
          <li key={i}><strong>{r.subject}</strong> <span class="muted">{t('review_reply_meta', { who: r.who, to: r.to, at: dateTime(r.at) })}</span>
            <p class="pre">{r.body}</p></li>
        ))}
      </ul>
    </>
  );
}

function OfflineView({ detail }: { detail: OfflineDetail }) {
  const visitor = Object.entries(detail.visitor).filter(([, v]) => v).map(([k, v]) => ({ label: k, value: String(v) }));
  return (
    <>
      <p data-testid="review-reason">{t('review_reason')}: {t(`review_reason_${detail.reason}` as 'review_reason_no_agent')}</p>
      <h3>{t('review_form')}</h3>
      <ValueTable rows={formRows(detail.form, detail.fields, detail.attachments)} testid="review-form" />
      {detail.attachments.length > 0 && (
        <>
          <h3>{t('review_files')}</h3>
          <ul data-testid="review-files">
            {detail.attachments.map((f) => (
              <li key={f.upload_id}><a href={offlineFileHref(detail.offline_message_id, f.upload_id)}>{f.file_name}</a>
                {' '}<span class="muted">({Math.ceil(f.size_bytes / 1024)} KB)</span></li>
            ))}
          </ul>
        </>
      )}
      <h3>{t('review_visitor')}</h3>
      <ValueTable rows={visitor} testid="review-visitor" />
      <Replies replies={detail.replies.map((r) => ({ who: r.author_name, to: r.to_address, subject: r.subject, body: r.body, at: r.created_at_ms }))} />
    </>
  );
}

function ChatView({ detail }: { detail: ChatReviewDetail }) {
  return (
    <>
      <p data-testid="review-reason">{t('review_reason')}: {detail.reason ? t(`review_reason_${detail.reason}` as 'review_reason_no_agent') : '—'}
        {detail.queue_name && <> · {t('log_queue')}: {detail.queue_name}</>}</p>
      {detail.left_message && (
        <>
          <h3>{t('review_left_message')}</h3>
          <p class="pre" data-testid="review-left-message">{detail.left_message.text}</p>
        </>
      )}
      <h3>{t('review_form')}</h3>
      <ValueTable rows={formRows(null, detail.visitor_details.fields ?? {})} testid="review-form" />
      <h3>{t('review_transcript')}</h3>
      <LogTranscript events={detail.events} />
      <Replies replies={detail.replies.map((r) => ({ who: r.user_name, to: r.to, subject: r.subject, body: r.body, at: r.sent_at_ms }))} />
    </>
  );
}

function Detail({ item, onChanged }: { item: ReviewItem; onChanged: () => void }) {
  const [offline, setOffline] = useState<OfflineDetail | null>(null);
  const [chat, setChat] = useState<ChatReviewDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () => (item.source === 'offline'
    ? offlineDetail(item.id).then(setOffline)
    : chatDetail(item.id).then(setChat)).catch((err) => setError(errorText(err)));
  useEffect(() => { load(); }, [item.key]);
  const open = item.source === 'offline' ? offline?.state === 'open' : chat?.status === 'open';
  const close = async () => {
    try {
      await closeItem(item);
      await load();
      onChanged();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const loaded = offline ?? chat;
  return (
    <section class="editor stack" data-testid="review-detail">
      <h2>{kindLabel(item.kind)}: {item.visitor_name || item.visitor_email || '—'}</h2>
      <p class="muted">{item.website_key} · {dateTime(item.at_ms)}
        {' '}<span class={open ? 'badge warn' : 'badge ok'} data-testid="review-status">{open ? t('review_open') : t('review_handled')}</span></p>
      {error && <p class="form-error" role="alert">{error}</p>}
      {!loaded ? <p class="muted">…</p> : (
        <>
          {offline && <OfflineView detail={offline} />}
          {chat && <ChatView detail={chat} />}
          <ReplyComposer item={item} to={item.visitor_email} onSent={load} />
          {open && <div class="row"><button data-testid="review-close" onClick={close}>{t('review_mark_handled')}</button></div>}
        </>
      )}
    </section>
  );
}

export function ReviewPage() {
  const [filter, setFilter] = useState<ReviewFilter>({ website: '', state: 'open' });
  const [websites, setWebsites] = useState<Website[]>([]);
  const [items, setItems] = useState<ReviewItem[] | null>(null);
  const [selected, setSelected] = useState<ReviewItem | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [full, setFull] = useState(false);
  const reload = () => Promise.all([listOffline(filter), listReviewChats(filter)]).then(
    ([o, c]) => {
      setItems(mergeReviewItems(o.offline_messages, c.chats));
      setFull(o.offline_messages.length >= REVIEW_PAGE || c.chats.length >= REVIEW_PAGE);
      setError(null);
    },
    (err) => setError(errorText(err)),
  );
  useEffect(() => { listWebsites().then((w) => setWebsites(w.websites), (err) => setError(errorText(err))); }, []);
  useEffect(() => { reload(); }, [filter.website, filter.state]);
  return (
    <main class="console" data-testid="review-page">
      <section class="console-list stack">
        <h1>{t('section_review')}</h1>
        <div class="row">
          <select data-testid="review-website" aria-label={t('log_website')} value={filter.website}
            onChange={(e) => setFilter({ ...filter, website: (e.target as HTMLSelectElement).value })}>
            <option value="">{t('log_all_websites')}</option>
            {websites.map((w) => <option key={w.key} value={w.key}>{w.name} ({w.key})</option>)}
          </select>
          <select data-testid="review-state" aria-label={t('review_state')} value={filter.state}
            onChange={(e) => setFilter({ ...filter, state: (e.target as HTMLSelectElement).value as ReviewFilter['state'] })}>
            <option value="open">{t('review_open')}</option>
            <option value="closed">{t('review_handled')}</option>
          </select>
          <button onClick={reload} data-testid="review-refresh">{t('refresh')}</button>
        </div>
        {error && <p class="form-error" role="alert">{error}</p>}
        {full && <p class="muted" data-testid="review-full">{t('review_full', { n: REVIEW_PAGE })}</p>}
        {items === null ? <p class="muted">…</p> : items.length === 0 ? <p class="muted" data-testid="review-empty">{t('review_empty')}</p> : (
          <table class="list" data-testid="review-items">
            <thead><tr><th>{t('review_kind')}</th><th>{t('log_visitor')}</th><th>{t('log_website')}</th><th>{t('review_when')}</th></tr></thead>
            <tbody>
              {items.map((item) => (
                <tr key={item.key} class={selected?.key === item.key ? 'selected' : ''} data-testid={`review-${item.key}`}>
                  <td>{kindLabel(item.kind)}</td>
                  <td><button class="link" onClick={() => setSelected(item)}>{item.visitor_name || item.visitor_email || '—'}</button></td>
                  <td>{item.website_key}</td>
                  <td>{dateTime(item.at_ms)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {selected && <Detail key={selected.key} item={selected} onChanged={reload} />}
    </main>
  );
}
