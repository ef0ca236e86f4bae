import { useEffect, useRef, useState } from 'preact/hooks';
import { t, clock } from '../shared/i18n';
import type { ChatEvent, TransferTargets } from '../shared/protocol';
import type { AgentController } from './controller';
import type { AgentState, ChatState } from './state';
import { characterCount, canSend, elapsed, fileSize, matchesTitle } from './rules';
import { noticeText } from './notices';
import { EyeIcon, ClipIcon } from '../shared/icons';

/** R33: one tab per chat: website key, visitor, unread count, time since the chat arrived. */
export function ChatTabs({ state, controller, now }: { state: AgentState; controller: AgentController; now: number }) {
  return (
    <div class="tabs" role="tablist" aria-label={t('chats')}>
      {state.chats.map((chat, index) => {
        const active = chat.chatId === state.activeChatId;
        return (
          <div key={chat.chatId} class={`tab${active ? ' active' : ''}${chat.ended || chat.left ? ' over' : ''}`}
            data-testid={`tab-${chat.chatId}`}>
            <button role="tab" aria-selected={active} class="tab-main" onClick={() => controller.store.activate(chat.chatId)}
              title={t('shortcut_tab', { n: index + 1 })}>
              <span class="website-key">{chat.websiteKey}</span>
              <span class="tab-name">{chat.visitorName}</span>
              {chat.visitorConnected === false && !chat.ended && <span class="left-mark" title={t('visitor_left')}>⏏</span>}
              <span class="tab-timer">{elapsed(chat.arrivedAtMs, chat.ended ? chat.ended.at_ms : now)}</span>
              {chat.unread > 0 && <span class="unread" data-testid="unread" aria-label={t('unread', { n: chat.unread })}>{chat.unread}</span>}
            </button>
            <button class="tab-close" data-testid="tab-close" aria-label={t('end_chat')} title={t('end_chat')}
              onClick={() => controller.closeChat(chat.chatId)}>×</button>
          </div>
        );
      })}
    </div>
  );
}

export function eventLine(event: ChatEvent, me: number): string | null {
  switch (event.kind) {
    case 'chat_requested': return t('ev_requested', { name: event.visitor_name ?? '' });
    case 'agent_joined': return event.conference ? t('ev_joined_conference', { name: event.agent_name ?? '' })
      : event.agent_id === me ? t('ev_you_joined') : t('ev_joined', { name: event.agent_name ?? '' });
    case 'agent_left': return t('ev_left', { name: event.agent_name ?? '' });
    case 'transferred': return t('ev_transferred', { from: event.from_agent_name ?? '', to: event.to_agent_name ?? '' });
    case 'redirected': return t('ev_redirected', { queue: event.queue_name ?? '' });
    case 'chat_ended': return event.ended_by?.kind === 'visitor' ? t('ev_ended_visitor')
      : event.ended_by?.kind === 'agent' ? (event.ended_by.id === me ? t('ev_ended_you') : t('ev_ended_agent')) : t('ev_ended_system', { disposition: event.disposition ?? '' });
    default: return null;
  }
}

export function Message({ event, me }: { event: ChatEvent; me: number }) {
  const author = event.author;
  const mine = author.kind === 'agent' && author.id === me;
  const side = author.kind === 'visitor' ? 'them' : 'us';
  const cls = `bubble ${side}${event.private ? ' private' : ''}${mine ? ' mine' : ''}`;
  const name = author.kind === 'system' ? '' : author.name;
  let body: preact.ComponentChild;
  if (event.kind === 'message' || event.kind === 'transfer_note') {
    body = (
      <>
        {event.kind === 'transfer_note' && <strong>{t('transfer_note')}: </strong>}
        {event.text && <p class="text">{event.text}</p>}
        {event.attachments && (
          <ul class="files">
            {event.attachments.map((a) => (
              <li key={a.id}><a href={`/api/v1/chats/${event.chat_id}/attachments/${a.id}`} target="_blank" rel="noopener">
                <ClipIcon /> {a.name}</a> <span class="muted">({Math.ceil(a.size / 1024)} KB)</span></li>
            ))}
          </ul>
        )}
      </>
    );
  } else if (event.kind === 'choices_offered') {
    body = (
      <>
        {event.prompt && <p class="text">{event.prompt}</p>}
        <ul class="choices">{event.options?.map((o) => <li key={o.id}>{o.label}</li>)}</ul>
      </>
    );
  } else if (event.kind === 'choice_picked') {
    body = <p class="text">{t('ev_choice', { label: event.choice?.label ?? '' })}</p>;
  } else {
    return null;
  }
  return (
    <li class={cls} data-testid={event.private ? 'private-message' : 'message'} data-seq={event.seq}>
      <div class="meta">
        {event.private && <span class="eye" title={t('private')}><EyeIcon label={t('private')} /></span>}
        <span class="author">{name}</span> <span class="time">{clock(event.at_ms)}</span>
      </div>
      {body}
    </li>
  );
}

function Transcript({ chat, me }: { chat: ChatState; me: number }) {
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [chat.events.length, chat.chatId]);
  return (
    <ol class="transcript" ref={list} data-testid="transcript" aria-live="polite">
      {chat.events.map((event) => {
        const line = eventLine(event, me);
        return line !== null
          ? <li key={event.seq} class="system" data-testid={`event-${event.kind}`}>{line} <span class="time">{clock(event.at_ms)}</span></li>
          : <Message key={event.seq} event={event} me={me} />;
      })}
      {chat.visitorTyping && <li class="typing" data-testid="visitor-typing">{t('visitor_typing', { name: chat.visitorName })}</li>}
    </ol>
  );
}

function PredefinedPicker({ chat, controller, onClose }: { chat: ChatState; controller: AgentController; onClose: () => void }) {
  const [query, setQuery] = useState('');
  const [items, setItems] = useState<{ id: number; title: string; body: string }[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    controller.rest.predefined().then((r) => setItems(r.predefined_messages), (e) => setError(String(e.code ?? e)));
  }, []);
  const shown = (items ?? []).filter((m) => matchesTitle(m.title, query));
  const pick = (id: number) => { controller.expandPredefined(chat.chatId, id); onClose(); };
  return (
    <div class="popover" role="dialog" aria-label={t('predefined')} data-testid="predefined-picker">
      <input autoFocus data-testid="predefined-search" placeholder={t('predefined_search')} value={query}
        onInput={(e) => setQuery((e.target as HTMLInputElement).value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') onClose();
          if (e.key === 'Enter' && shown[0]) { e.preventDefault(); pick(shown[0].id); }
        }} />
      {error && <p class="form-error">{error}</p>}
      {items && shown.length === 0 && <p class="muted">{t('none')}</p>}
      <ul>
        {shown.map((m) => (
          <li key={m.id}><button class="pick" data-testid="predefined-item" onClick={() => pick(m.id)}>
            <strong>{m.title}</strong><span class="muted">{m.body.slice(0, 80)}</span></button></li>
        ))}
      </ul>
    </div>
  );
}

function OfferBuilder({ chat, controller, onClose }: { chat: ChatState; controller: AgentController; onClose: () => void }) {
  const [prompt, setPrompt] = useState('');
  const [options, setOptions] = useState(['', '']);
  const labels = options.map((o) => o.trim()).filter(Boolean);
  return (
    <form class="popover stack" data-testid="offer-builder" onSubmit={(e) => {
      e.preventDefault();
      if (labels.length === 0) return;
      controller.offerChoices(chat.chatId, prompt, labels);
      onClose();
    }}>
      <label>{t('builder_prompt')}<input value={prompt} maxLength={1000} onInput={(e) => setPrompt((e.target as HTMLInputElement).value)} /></label>
      {options.map((o, i) => (
        <div class="row" key={i}>
          <input aria-label={t('builder_option', { n: i + 1 })} placeholder={t('builder_option', { n: i + 1 })} value={o} maxLength={100}
            onInput={(e) => setOptions(options.map((x, j) => (j === i ? (e.target as HTMLInputElement).value : x)))} />
          {options.length > 1 && <button type="button" class="link" aria-label={t('remove')}
            onClick={() => setOptions(options.filter((_, j) => j !== i))}>×</button>}
        </div>
      ))}
      <div class="row">
        {options.length < 10 && <button type="button" onClick={() => setOptions([...options, ''])}>{t('builder_add')}</button>}
        <button class="primary" type="submit" disabled={labels.length === 0}>{t('builder_send')}</button>
        <button type="button" onClick={onClose}>{t('cancel')}</button>
      </div>
    </form>
  );
}

/** R43–R46: transfer to, or invite, an agent or a queue, from live lists with a refresh. */
function HandoverDialog({ chat, controller, mode, onClose }: {
  chat: ChatState; controller: AgentController; mode: 'transfer' | 'invite'; onClose: () => void;
}) {
  const [targets, setTargets] = useState<TransferTargets | null>(null);
  const [choice, setChoice] = useState<string>('');
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const load = () => controller.rest.targets().then(setTargets, (e) => setError(String(e.code ?? e)));
  useEffect(() => { void load(); }, []);
  const inChat = new Set(chat.participants?.agents.map((a) => a.agent_id) ?? []);
  const submit = (e: Event) => {
    e.preventDefault();
    const [kind, id] = choice.split(':');
    if (!id) return;
    const target = kind === 'agent' ? { agentId: Number(id) } : { queueId: Number(id) };
    if (mode === 'transfer') controller.transfer(chat.chatId, target, note);
    else controller.invite(chat.chatId, target);
    onClose();
  };
  return (
    <div class="modal-backdrop">
      <div class="modal" role="dialog" aria-modal="true" aria-labelledby="handover-title" data-testid={`${mode}-dialog`}>
      <form class="stack" onSubmit={submit}>
        <header class="row spread">
          <h2 id="handover-title">{mode === 'transfer' ? t('transfer_title') : t('invite_title')}</h2>
          <button type="button" data-testid="targets-refresh" onClick={() => void load()}>{t('refresh')}</button>
        </header>
        {error && <p class="form-error">{error}</p>}
        <fieldset>
          <legend>{t('agents')}</legend>
          {targets?.agents.filter((a) => !inChat.has(a.user_id)).map((a) => (
            <label key={a.user_id} class={`target standing-${a.standing}`}>
              <input type="radio" name="target" value={`agent:${a.user_id}`} checked={choice === `agent:${a.user_id}`}
                onChange={() => setChoice(`agent:${a.user_id}`)} />
              <span class="dot" aria-hidden="true" /> {a.display_name}
              <span class="muted">{t(`standing_${a.standing}` as 'standing_available')} · {a.open_chats}/{a.capacity}</span>
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>{t('queues')}</legend>
          {targets?.queues.length === 0 && <p class="muted">{t('none')}</p>}
          {targets?.queues.map((q) => (
            <label key={q.queue_id} class="target">
              <input type="radio" name="target" value={`queue:${q.queue_id}`} checked={choice === `queue:${q.queue_id}`}
                onChange={() => setChoice(`queue:${q.queue_id}`)} />
              {q.name} <span class="muted">{t('queue_counts', { available: q.available, waiting: q.waiting })}</span>
            </label>
          ))}
        </fieldset>
        {mode === 'transfer' && (
          <label>{t('transfer_note_label')}
            <textarea data-testid="transfer-note" rows={3} maxLength={1000} value={note}
              onInput={(e) => setNote((e.target as HTMLTextAreaElement).value)} /></label>
        )}
        <div class="row">
          <button class="primary" type="submit" data-testid={`${mode}-submit`} disabled={!choice}>
            {mode === 'transfer' ? t('transfer') : t('invite')}</button>
          <button type="button" onClick={onClose}>{t('cancel')}</button>
        </div>
      </form>
      </div>
    </div>
  );
}

function Composer({ chat, controller }: { chat: ChatState; controller: AgentController }) {
  const [popup, setPopup] = useState<'predefined' | 'builder' | 'transfer' | 'invite' | null>(null);
  const [dragging, setDragging] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);
  const files = useRef<HTMLInputElement>(null);
  const expanded = controller.store.state.expanded;
  useEffect(() => {
    // R41: a predefined message lands in the compose box for editing, never sent by picking.
    if (expanded && expanded.chatId === chat.chatId) {
      controller.store.state.expanded = null;
      const joined = chat.draft ? `${chat.draft}${chat.draft.endsWith(' ') ? '' : ' '}${expanded.text}` : expanded.text;
      controller.setDraft(chat.chatId, joined);
      area.current?.focus();
    }
  }, [expanded]);
  useEffect(() => { area.current?.focus(); }, [chat.chatId]);
  const limits = controller.store.state.limits;
  const count = characterCount(chat.draft);
  const over = count > limits.max_message_chars;
  const sendable = canSend(chat.draft, chat.files.length, limits.max_message_chars);
  const fileLimits = t('attach_limits', { n: limits.max_files_per_message, size: fileSize(limits.max_attachment_bytes) });
  const live = !chat.ended && !chat.left;
  const send = () => { if (sendable && live) controller.sendDraft(chat.chatId); };
  const drop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    if (e.dataTransfer?.files.length) void controller.attach(chat.chatId, [...e.dataTransfer.files]);
  };
  if (!live) return null;
  return (
    <div class={`composer${chat.privateMode ? ' private' : ''}${dragging ? ' dragging' : ''}`}
      onDragOver={(e) => { e.preventDefault(); setDragging(true); }} onDragLeave={() => setDragging(false)} onDrop={drop}>
      {popup === 'predefined' && <PredefinedPicker chat={chat} controller={controller} onClose={() => setPopup(null)} />}
      {popup === 'builder' && <OfferBuilder chat={chat} controller={controller} onClose={() => setPopup(null)} />}
      {(popup === 'transfer' || popup === 'invite') &&
        <HandoverDialog chat={chat} controller={controller} mode={popup} onClose={() => setPopup(null)} />}
      <div class="toolbar">
        <button class={`eye-toggle${chat.privateMode ? ' on' : ''}`} data-testid="private-toggle" aria-pressed={chat.privateMode}
          title={t('private_toggle')} onClick={() => controller.togglePrivate(chat.chatId)}><EyeIcon /> {chat.privateMode ? t('private_on') : t('private')}</button>
        <button data-testid="predefined-open" onClick={() => setPopup(popup === 'predefined' ? null : 'predefined')}>{t('predefined')}</button>
        <button data-testid="builder-open" onClick={() => setPopup(popup === 'builder' ? null : 'builder')}>{t('builder')}</button>
        <button data-testid="attach" onClick={() => files.current?.click()}
          title={fileLimits}><ClipIcon /> {t('attach')}</button>
        <input ref={files} type="file" multiple hidden data-testid="file-input"
          accept=".pdf,.png,.jpg,.jpeg,.gif,.webp,.txt,.md,.csv,.log"
          onChange={(e) => {
            const input = e.target as HTMLInputElement;
            if (input.files) void controller.attach(chat.chatId, [...input.files]);
            input.value = '';
          }} />
        <span class="spacer" />
        <button data-testid="invite-open" onClick={() => setPopup('invite')}>{t('invite')}</button>
        <button data-testid="transfer-open" onClick={() => setPopup('transfer')}>{t('transfer')}</button>
      </div>
      <p class="limits muted" data-testid="file-limits">{fileLimits}</p>
      {chat.files.length > 0 && (
        <ul class="pending-files" data-testid="pending-files">
          {chat.files.map((f) => (
            <li key={f.id}><ClipIcon /> {f.name} <button class="link" aria-label={t('remove')} onClick={() => controller.removeFile(chat.chatId, f.id)}>×</button></li>
          ))}
        </ul>
      )}
      <textarea ref={area} data-testid="composer" rows={3} value={chat.draft}
        aria-label={chat.privateMode ? t('composer_private') : t('composer')}
        placeholder={chat.privateMode ? t('composer_private') : t('composer_placeholder')}
        onInput={(e) => controller.setDraft(chat.chatId, (e.target as HTMLTextAreaElement).value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); send(); }
        }} />
      <div class="row spread">
        <span class={`counter${over ? ' over' : ''}`} data-testid="counter" aria-live="polite">
          {t('counter', { count, max: limits.max_message_chars })}
        </span>
        <button class="primary" data-testid="send" disabled={!sendable} onClick={send}>
          {chat.privateMode ? t('send_private') : t('send')}</button>
      </div>
    </div>
  );
}

function Participants({ chat, controller }: { chat: ChatState; controller: AgentController }) {
  const p = chat.participants;
  if (!p || (p.agents.length < 2 && !p.pending)) return null;
  const me = controller.store.state.me.id;
  return (
    <div class="participants" data-testid="participants">
      {p.agents.length > 1 && <span>{t('conference', { names: p.agents.map((a) => a.agent_name).join(', ') })}</span>}
      {p.pending && (
        <span>{p.pending.kind === 'transfer' ? t('transfer_pending') : t('invitation_pending')}
          {p.pending.from_agent_id === me && <button class="link" onClick={() => controller.cancelTransfer(chat.chatId)}>{t('cancel')}</button>}
        </span>
      )}
      {p.agents.length > 1 && (p.owner_id === me
        ? <button class="link" onClick={() => controller.endConference(chat.chatId)}>{t('end_conference')}</button>
        : <button class="link" onClick={() => controller.leaveConference(chat.chatId)}>{t('leave_conference')}</button>)}
    </div>
  );
}

export function ChatView({ chat, controller }: { chat: ChatState; controller: AgentController }) {
  const me = controller.store.state.me.id;
  return (
    <section class="chat" data-testid="chat" data-chat={chat.chatId} aria-label={chat.visitorName}>
      <header class="chat-header row spread">
        <div>
          <h2>{chat.visitorName} <span class="website-key">{chat.websiteKey}</span></h2>
          <span class="muted">{chat.queueName}</span>
          {chat.visitorConnected === false && !chat.ended && <span class="badge warn" data-testid="visitor-left">{t('visitor_left')}</span>}
          {chat.visitorConnected === true && !chat.ended && <span class="badge ok">{t('visitor_here')}</span>}
        </div>
        <button class="danger" data-testid="end-chat" onClick={() => controller.closeChat(chat.chatId)}>
          {chat.ended || chat.left ? t('close_tab') : t('end_chat')}</button>
      </header>
      <Participants chat={chat} controller={controller} />
      {chat.notice && (
        <p class="chat-notice" role="alert" data-testid="chat-notice">{noticeText(chat.notice, controller.store.state.limits)}
          <button class="link" onClick={() => { chat.notice = null; controller.store.changed(); }}>{t('dismiss')}</button></p>
      )}
      {chat.confirmEnd && (
        <div class="confirm-card" role="alertdialog" data-testid="confirm-end">
          <p>{t('confirm_end')}</p>
          <button class="danger" data-testid="confirm-end-yes" onClick={() => controller.closeChat(chat.chatId, true)}>{t('end_chat')}</button>
          <button onClick={() => controller.cancelEnd(chat.chatId)}>{t('cancel')}</button>
        </div>
      )}
      {chat.confirmDisconnect && (
        <div class="confirm-card" role="alertdialog" data-testid="confirm-disconnect">
          <p>{t('confirm_disconnect')}</p>
          <button class="danger" data-testid="confirm-disconnect-yes" onClick={() => controller.confirmDisconnect(chat.chatId, true)}>{t('disconnect')}</button>
          <button data-testid="confirm-disconnect-no" onClick={() => controller.confirmDisconnect(chat.chatId, false)}>{t('cancel')}</button>
        </div>
      )}
      <Transcript chat={chat} me={me} />
      {chat.left && <p class="chat-over" data-testid="chat-left">{t(`left_${chat.left}` as 'left_transferred')}</p>}
      {chat.ended && <p class="chat-over" data-testid="chat-ended">{t('chat_over')}</p>}
      <Composer chat={chat} controller={controller} />
    </section>
  );
}
