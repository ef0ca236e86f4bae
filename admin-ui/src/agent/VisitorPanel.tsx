import { useState } from 'preact/hooks';
import { t, dateTime, clock } from '../shared/i18n';
import { ApiError } from '../shared/api';
import type { VisitorDetails } from '../shared/protocol';
import { LockIcon } from '../shared/icons';
import type { AgentController, Contact } from './controller';
import type { ChatState } from './state';

function fieldValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map(fieldValue).join(', ');
  if (typeof value === 'object') {
    const file = value as { file_name?: string };
    return file.file_name ?? JSON.stringify(value);
  }
  return String(value);
}

/** R52: verified values carry a lock; everything else came from the visitor's browser. */
function Verified({ value }: { value: string }) {
  return (
    <span class="verified" data-testid="verified">
      <span class="lock" title={t('verified')}><LockIcon label={t('verified')} /></span> {value}
    </span>
  );
}

export function DetailsList({ details, compact = false }: { details: VisitorDetails | null; compact?: boolean }) {
  if (!details) return null;
  const rows: [string, preact.ComponentChild][] = [];
  const v = details.verified;
  if (v?.name) rows.push([t('detail_name'), <Verified value={v.name} />]);
  if (details.typed_name) rows.push([t('detail_typed_name'), details.typed_name]);
  if (v?.email) rows.push([t('detail_email'), <Verified value={v.email} />]);
  else if (details.email) rows.push([t('detail_email'), details.email]);
  if (v?.phone) rows.push([t('detail_phone'), <Verified value={v.phone} />]);
  else if (details.phone) rows.push([t('detail_phone'), details.phone]);
  if (v?.sub) rows.push([t('detail_customer_id'), <Verified value={v.sub} />]);
  for (const [key, value] of Object.entries(v?.attributes ?? {})) rows.push([key, <Verified value={value} />]);
  for (const [key, value] of Object.entries(details.fields ?? {})) rows.push([key, fieldValue(value)]);
  if (details.language) rows.push([t('detail_language'), details.language]);
  if (details.browser) rows.push([t('detail_browser'), `${details.browser} ${details.browser_version ?? ''}`.trim()]);
  if (details.os) rows.push([t('detail_os'), details.os]);
  if (details.page_url) {
    rows.push([t('detail_page'), <span class="url" title={details.page_url}>{details.page_title || details.page_url}</span>]);
  }
  if (rows.length === 0) return null;
  return (
    <dl class={compact ? 'details compact' : 'details'} data-testid="visitor-details">
      {rows.map(([label, value], i) => [<dt key={`t${i}`}>{label}</dt>, <dd key={`d${i}`}>{value}</dd>])}
    </dl>
  );
}

function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    const fields = e.fields.map((f) => `${f.field}: ${f.message}`).join('; ');
    return fields || `${e.code}: ${e.message}`;
  }
  return String(e);
}

/** R52, R54, R55, R89, R90: who the visitor is, where they are, what we know about them. */
export function VisitorPanel({ chat, controller }: { chat: ChatState; controller: AgentController }) {
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [phone, setPhone] = useState('');
  const [note, setNote] = useState('');
  const [query, setQuery] = useState('');
  const [contacts, setContacts] = useState<Contact[] | null>(null);
  const [linked, setLinked] = useState<Contact | null>(null);
  const [banReason, setBanReason] = useState('');
  const [banning, setBanning] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const live = !chat.ended && !chat.left;

  const startEdit = () => {
    setName(chat.visitorName);
    setEmail(chat.details?.email ?? '');
    setPhone(chat.details?.phone ?? '');
    setEditing(true);
  };
  const saveEdit = async (e: Event) => {
    e.preventDefault();
    const body: Record<string, string> = {};
    if (name.trim() && name !== chat.visitorName) body.name = name;
    if (email.trim() && email !== (chat.details?.email ?? '')) body.email = email;
    if (phone.trim() && phone !== (chat.details?.phone ?? '')) body.phone = phone;
    if (Object.keys(body).length === 0) { setEditing(false); return; }
    try {
      await controller.rest.editVisitor(chat.chatId, body);
      setEditing(false);
      setMessage(null);
    } catch (err) { setMessage(errorText(err)); }
  };
  const addNote = async (e: Event) => {
    e.preventDefault();
    if (!note.trim()) return;
    try {
      await controller.rest.addNote(chat.chatId, note);
      setNote('');
      await controller.refreshNotes(chat.chatId);
    } catch (err) { setMessage(errorText(err)); }
  };
  const search = async (e: Event) => {
    e.preventDefault();
    try { setContacts((await controller.rest.contacts(query)).contacts); } catch (err) { setMessage(errorText(err)); }
  };
  const link = async (contactId: number) => {
    try {
      setLinked((await controller.rest.linkContact(chat.chatId, contactId)).contact);
      setContacts(null);
      controller.preview(chat.chatId);
    } catch (err) { setMessage(errorText(err)); }
  };
  const create = async () => {
    try { setLinked((await controller.rest.createContact(chat.chatId)).contact); } catch (err) { setMessage(errorText(err)); }
  };
  const ban = async (e: Event) => {
    e.preventDefault();
    try {
      await controller.rest.ban(chat.chatId, banReason);
      setBanning(false);
      setBanReason('');
    } catch (err) { setMessage(errorText(err)); }
  };

  return (
    <aside class="visitor-panel" data-testid="visitor-panel" aria-label={t('visitor_panel')}>
      <header>
        <h2>{chat.visitorName}</h2>
        {live && !editing && <button class="link" data-testid="visitor-edit" onClick={startEdit}>{t('edit')}</button>}
      </header>
      {message && <p class="form-error" role="alert">{message}</p>}
      {editing && (
        <form class="stack" onSubmit={saveEdit} data-testid="visitor-edit-form">
          <label>{t('detail_name')}<input value={name} maxLength={80} onInput={(e) => setName((e.target as HTMLInputElement).value)} /></label>
          <label>{t('detail_email')}<input type="email" value={email} onInput={(e) => setEmail((e.target as HTMLInputElement).value)} /></label>
          <label>{t('detail_phone')}<input type="tel" value={phone} onInput={(e) => setPhone((e.target as HTMLInputElement).value)} /></label>
          <div class="row"><button class="primary" type="submit">{t('save')}</button>
            <button type="button" onClick={() => setEditing(false)}>{t('cancel')}</button></div>
        </form>
      )}
      <DetailsList details={chat.details} />

      <h3>{t('pages_visited')}</h3>
      {chat.pages.length === 0 ? <p class="muted">{t('none')}</p> : (
        <ol class="pages" data-testid="pages">
          {chat.pages.map((p, i) => <li key={i} title={p.url}><span class="time">{clock(p.at_ms)}</span> {p.title || p.url}</li>)}
        </ol>
      )}

      <h3>{t('past_sessions')}</h3>
      {chat.pastSessions.length === 0 ? <p class="muted">{t('none')}</p> : (
        <ul class="past" data-testid="past-sessions">
          {chat.pastSessions.map((p) => (
            <li key={p.chat_id}>{dateTime(p.requested_at_ms)} · {p.agent_name ?? '—'} · {p.disposition ?? p.state}</li>
          ))}
        </ul>
      )}

      <h3>{t('contact')}</h3>
      {linked && <p data-testid="contact-linked">{t('contact_linked', { name: linked.name ?? linked.email ?? String(linked.contact_id) })}</p>}
      {live && (
        <form class="row" onSubmit={search}>
          <input placeholder={t('contact_search')} value={query} minLength={2}
            onInput={(e) => setQuery((e.target as HTMLInputElement).value)} />
          <button type="submit">{t('search')}</button>
          <button type="button" onClick={create}>{t('contact_create')}</button>
        </form>
      )}
      {contacts && (contacts.length === 0 ? <p class="muted">{t('none')}</p> : (
        <ul class="contacts">
          {contacts.map((c) => (
            <li key={c.contact_id}>{c.name ?? '—'} {c.email ?? ''} {c.phone ?? ''}
              <button class="link" onClick={() => link(c.contact_id)}>{t('contact_link')}</button></li>
          ))}
        </ul>
      ))}

      <h3>{t('notes')}</h3>
      <ul class="notes" data-testid="notes">
        {chat.notes.map((n) => (
          <li key={n.note_id}><span class="note-meta">{n.author_name} · {dateTime(n.at_ms)}</span><p>{n.text}</p></li>
        ))}
      </ul>
      <form class="stack" onSubmit={addNote}>
        <textarea data-testid="note-input" rows={2} maxLength={1000} placeholder={t('note_placeholder')} value={note}
          onInput={(e) => setNote((e.target as HTMLTextAreaElement).value)} />
        <button type="submit" data-testid="note-add">{t('note_add')}</button>
      </form>

      {live && (
        <div class="ban">
          {!banning ? <button class="danger link" onClick={() => setBanning(true)}>{t('ban')}</button> : (
            <form class="stack" onSubmit={ban}>
              <label>{t('ban_reason')}<input required maxLength={300} value={banReason}
                onInput={(e) => setBanReason((e.target as HTMLInputElement).value)} /></label>
              <div class="row"><button class="danger" type="submit">{t('ban_confirm')}</button>
                <button type="button" onClick={() => setBanning(false)}>{t('cancel')}</button></div>
            </form>
          )}
        </div>
      )}
    </aside>
  );
}
