// What the agent does, as commands on the socket (5.3, 5.7) and REST calls, and the alerts that
// make sure no offer goes unnoticed (R32): a sound, a desktop notification and the tab title,
// repeated until the offer is answered or gone, whether or not the tab has focus.
import { LiveSocket } from '../shared/socket';
import { api, uploadFile, ApiError } from '../shared/api';
import type { User } from '../shared/api';
import type { Offer } from '../shared/protocol';
import { t } from '../shared/i18n';
import { AgentStore, saveDraft } from './state';
import { resumeParameter } from './rules';

/** How often an unanswered offer rings and re-notifies. */
const ALERT_REPEAT_MS = 4000;
/** A typing indicator turns off after this long without a key press. */
const TYPING_IDLE_MS = 4000;

export class AgentController {
  readonly store: AgentStore;
  private socket: LiveSocket;
  private alertTimer: number | undefined;
  private alertedOffer: number | null = null;
  private audio: AudioContext | null = null;
  private baseTitle = document.title;
  private typingTimers = new Map<number, number>();

  constructor(me: User, private onSignedOut: () => void) {
    this.store = new AgentStore(me);
    this.socket = new LiveSocket('/api/v1/agent/ws', {
      resume: () => resumeParameter(this.store.state.chats.filter((c) => !c.ended && !c.left)),
      frame: (frame) => {
        if (frame.type === 'error' && typeof frame.client_key === 'string') this.socket.settle(frame.client_key);
        this.store.apply(frame);
        // The visitor's details, pages, past sessions and notes are in no event: a held chat's
        // preview brings them, after an accept and after a (re)load (5.3).
        if (frame.type === 'chat_assigned') this.socket.send({ type: 'preview_chat', chat_id: frame.chat_id });
        if (frame.type === 'agent_hello') {
          for (const held of frame.chats as { chat_id: number }[]) {
            if (!this.store.chat(held.chat_id)?.details) this.socket.send({ type: 'preview_chat', chat_id: held.chat_id });
          }
        }
        // R32: the offer card shows the first messages; a transfer's chat is not waiting, so none.
        if (frame.type === 'offer' && !frame.transfer && !frame.invitation) {
          this.socket.send({ type: 'preview_chat', chat_id: frame.chat_id });
        }
        this.afterChange();
      },
      connection: (state) => {
        this.store.state.connection = state;
        this.store.changed();
        if (state === 'signed_out') this.onSignedOut();
      },
    });
    document.addEventListener('visibilitychange', () => this.afterChange());
    // Browsers allow sound only after a user gesture: the first click unlocks it.
    document.addEventListener('pointerdown', () => this.unlockAudio(), { once: true });
  }

  start(): void {
    this.socket.start();
    if ('Notification' in window && Notification.permission === 'default') {
      Notification.requestPermission().catch(() => undefined);
    }
  }

  stop(): void {
    this.socket.stop();
    this.stopAlert();
  }

  private send(command: Record<string, unknown>): void {
    if (!this.socket.send(command)) this.store.notify('not_connected', 'error');
  }

  setPresence(presence: 'available' | 'away', reasonId: number | null = null): void {
    this.send(presence === 'away' && reasonId !== null
      ? { type: 'set_presence', presence, reason_id: reasonId }
      : { type: 'set_presence', presence });
  }

  accept(chatId: number): void {
    this.store.focusWhenAssigned(chatId);
    this.send({ type: 'accept_offer', chat_id: chatId });
  }

  reject(chatId: number): void {
    this.send({ type: 'reject_offer', chat_id: chatId });
  }

  preview(chatId: number): void {
    this.store.previewAsked.add(chatId);
    this.send({ type: 'preview_chat', chat_id: chatId });
  }

  pick(chatId: number): void {
    this.store.focusWhenAssigned(chatId);
    this.send({ type: 'pick_chat', chat_id: chatId });
  }

  redirect(chatId: number, queueId: number): void {
    this.send({ type: 'redirect_chat', chat_id: chatId, queue_id: queueId });
    this.store.state.preview = null;
    this.store.changed();
  }

  closePreview(): void {
    this.store.state.preview = null;
    this.store.changed();
  }

  /** Sends the chat's draft (and files): a `/` command goes to the engine, which answers. */
  sendDraft(chatId: number): void {
    const chat = this.store.chat(chatId);
    if (!chat) return;
    const text = chat.draft;
    const command: Record<string, unknown> = { type: 'send_message', chat_id: chatId, text };
    if (chat.privateMode) command.private = true;
    if (chat.files.length > 0) command.attachments = chat.files.map((f) => f.id);
    this.socket.sendKeyed(command);
    chat.draft = '';
    saveDraft(chatId, '');
    chat.files = [];
    this.typing(chatId, false);
    this.store.changed();
  }

  setDraft(chatId: number, text: string): void {
    const chat = this.store.chat(chatId);
    if (!chat) return;
    chat.draft = text;
    saveDraft(chatId, text);
    this.store.changed();
    if (chat.privateMode || chat.ended) return;
    this.typing(chatId, text.length > 0);
    window.clearTimeout(this.typingTimers.get(chatId));
    if (text.length > 0) {
      this.typingTimers.set(chatId, window.setTimeout(() => this.typing(chatId, false), TYPING_IDLE_MS));
    }
  }

  private typingState = new Map<number, boolean>();

  /** R38: typing is sent on change only, never per key press. */
  private typing(chatId: number, typing: boolean): void {
    if ((this.typingState.get(chatId) ?? false) === typing) return;
    this.typingState.set(chatId, typing);
    this.socket.send({ type: 'typing', chat_id: chatId, typing });
  }

  togglePrivate(chatId: number): void {
    const chat = this.store.chat(chatId);
    if (!chat) return;
    chat.privateMode = !chat.privateMode;
    if (chat.privateMode) this.typing(chatId, false);
    this.store.changed();
  }

  confirmDisconnect(chatId: number, confirmed: boolean): void {
    const chat = this.store.chat(chatId);
    if (!chat) return;
    chat.confirmDisconnect = false;
    if (confirmed) this.send({ type: 'confirm_disconnect', chat_id: chatId });
    this.store.changed();
  }

  /** R48, R49: the X. An ended chat's tab just closes; a live one ends, asking first while
   *  the visitor is still there. */
  closeChat(chatId: number, confirmed = false): void {
    const chat = this.store.chat(chatId);
    if (!chat) return;
    if (chat.ended || chat.left) {
      this.store.closeTab(chatId);
      return;
    }
    if (chat.visitorConnected !== false && !confirmed) {
      chat.confirmEnd = true;
      this.store.changed();
      return;
    }
    chat.confirmEnd = false;
    this.send({ type: 'end_chat', chat_id: chatId });
    this.store.changed();
  }

  cancelEnd(chatId: number): void {
    const chat = this.store.chat(chatId);
    if (chat) chat.confirmEnd = false;
    this.store.changed();
  }

  expandPredefined(chatId: number, id: number): void {
    this.send({ type: 'expand_predefined', chat_id: chatId, id });
  }

  offerChoices(chatId: number, prompt: string, labels: string[]): void {
    const command: Record<string, unknown> = {
      type: 'offer_choices', chat_id: chatId, options: labels.map((label) => ({ label })),
    };
    if (prompt.trim()) command.prompt = prompt;
    this.socket.sendKeyed(command);
  }

  transfer(chatId: number, target: { agentId?: number; queueId?: number }, note: string): void {
    const command: Record<string, unknown> = { type: 'transfer_chat', chat_id: chatId };
    if (target.agentId !== undefined) command.agent_id = target.agentId;
    else command.queue_id = target.queueId;
    if (note.trim()) command.note = note;
    this.send(command);
  }

  invite(chatId: number, target: { agentId?: number; queueId?: number }): void {
    const command: Record<string, unknown> = { type: 'invite_agent', chat_id: chatId };
    if (target.agentId !== undefined) command.agent_id = target.agentId;
    else command.queue_id = target.queueId;
    this.send(command);
  }

  cancelTransfer(chatId: number): void {
    this.send({ type: 'cancel_transfer', chat_id: chatId });
  }

  leaveConference(chatId: number): void {
    this.send({ type: 'leave_chat', chat_id: chatId });
  }

  endConference(chatId: number): void {
    this.send({ type: 'end_conference', chat_id: chatId });
  }

  submitWrapUp(chatId: number, reasonId: number, note: string): void {
    this.send({ type: 'submit_wrap_up', chat_id: chatId, reason_id: reasonId, note: note.trim() ? note : null });
  }

  /** R40: files go up one by one as they are picked, at most five per message. */
  async attach(chatId: number, files: File[]): Promise<void> {
    const chat = this.store.chat(chatId);
    if (!chat) return;
    const limits = this.store.state.limits;
    const tooLarge = files.filter((f) => f.size > limits.max_attachment_bytes);
    if (tooLarge.length > 0) {
      chat.notice = 'error:file_too_large';
      files = files.filter((f) => f.size <= limits.max_attachment_bytes);
    }
    const room = limits.max_files_per_message - chat.files.length;
    if (files.length > room) {
      chat.notice = 'error:too_many_files';
      this.store.changed();
      files = files.slice(0, Math.max(0, room));
    }
    for (const file of files) {
      try {
        const uploaded = await uploadFile(chatId, file);
        chat.files = [...chat.files, uploaded];
      } catch (e) {
        chat.notice = `error:${e instanceof ApiError ? e.code : 'internal'}`;
      }
      this.store.changed();
    }
  }

  removeFile(chatId: number, id: string): void {
    const chat = this.store.chat(chatId);
    if (!chat) return;
    chat.files = chat.files.filter((f) => f.id !== id);
    this.store.changed();
  }

  /** R38: tells the engine what this agent has read, when the chat is in front of it. */
  private sendReceipts(): void {
    const s = this.store.state;
    if (document.visibilityState !== 'visible' || s.activeChatId === null) return;
    const chat = this.store.chat(s.activeChatId);
    if (!chat || chat.ended || chat.left || chat.lastSeq <= chat.readSent) return;
    if (this.socket.send({ type: 'receipt', chat_id: chat.chatId, read_seq: chat.lastSeq })) chat.readSent = chat.lastSeq;
  }

  /** After every change: receipts, and the offer alert on or off. */
  afterChange(): void {
    this.sendReceipts();
    const offer = this.store.state.offer;
    if (offer && this.alertedOffer !== offer.chat_id) this.startAlert(offer);
    if (!offer && this.alertedOffer !== null) this.stopAlert();
    this.updateTitle();
  }

  private updateTitle(): void {
    const s = this.store.state;
    const unread = s.chats.reduce((sum, c) => sum + c.unread, 0);
    const badge = s.offer ? `(${t('title_offer')}) ` : unread > 0 ? `(${unread}) ` : '';
    document.title = badge + this.baseTitle;
  }

  private startAlert(offer: Offer): void {
    this.stopAlert();
    this.alertedOffer = offer.chat_id;
    let rings = 0;
    const ring = () => {
      this.beep();
      this.desktopNotification(offer);
      // The visitor may write while the offer rings: refresh the card's first messages.
      if (rings++ > 0 && !offer.transfer && !offer.invitation) {
        this.socket.send({ type: 'preview_chat', chat_id: offer.chat_id });
      }
    };
    ring();
    this.alertTimer = window.setInterval(ring, ALERT_REPEAT_MS);
  }

  private stopAlert(): void {
    window.clearInterval(this.alertTimer);
    this.alertTimer = undefined;
    this.alertedOffer = null;
  }

  private unlockAudio(): void {
    try {
      this.audio = this.audio ?? new AudioContext();
      void this.audio.resume();
    } catch {
      this.audio = null;
    }
  }

  /** A short two-tone chime, made on the spot (no sound file to load). */
  private beep(): void {
    const audio = this.audio;
    if (!audio || audio.state !== 'running') return;
    const start = audio.currentTime;
    for (const [at, frequency] of [[0, 880], [0.18, 660]] as const) {
      const oscillator = audio.createOscillator();
      const gain = audio.createGain();
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.15, start + at);
      gain.gain.exponentialRampToValueAtTime(0.001, start + at + 0.16);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start(start + at);
      oscillator.stop(start + at + 0.17);
    }
  }

  private desktopNotification(offer: Offer): void {
    if (!('Notification' in window) || Notification.permission !== 'granted') return;
    try {
      const note = new Notification(t('notification_offer_title'), {
        body: t('notification_offer_body', { name: offer.visitor_name, queue: offer.queue_name }),
        tag: `parley-offer-${offer.chat_id}`,
        renotify: true,
      } as NotificationOptions);
      note.onclick = () => window.focus();
    } catch {
      // Some browsers allow notifications only from a service worker; the sound and title remain.
    }
  }

  // REST calls of the visitor panel and dialogs (4.10, 4.27, 4.28, 4.30–4.33).
  readonly rest = {
    targets: () => api<import('../shared/protocol').TransferTargets>('GET', '/transfer-targets'),
    predefined: () => api<{ predefined_messages: { id: number; title: string; body: string }[] }>('GET', '/predefined-messages'),
    editVisitor: (chatId: number, body: Record<string, string>) => api('PATCH', `/chats/${chatId}/visitor`, body),
    addNote: (chatId: number, text: string) => api('POST', `/chats/${chatId}/notes`, { text }),
    notes: (chatId: number) => api<{ notes: import('../shared/protocol').Note[] }>('GET', `/chats/${chatId}/notes`),
    contacts: (q: string) => api<{ contacts: Contact[] }>('GET', `/contacts?q=${encodeURIComponent(q)}`),
    linkContact: (chatId: number, contactId: number) => api<{ contact: Contact }>('PUT', `/chats/${chatId}/contact`, { contact_id: contactId }),
    createContact: (chatId: number) => api<{ contact: Contact }>('POST', `/chats/${chatId}/contact`),
    ban: (chatId: number, reason: string) => api('POST', `/chats/${chatId}/ban`, { reason }),
    codes: () => api<InvitationCode[]>('GET', '/invitation-codes'),
    createCode: (body: Record<string, unknown>) => api<InvitationCode>('POST', '/invitation-codes', body),
    revokeCode: (code: string) => api('DELETE', `/invitation-codes/${code}`),
  };

  async refreshNotes(chatId: number): Promise<void> {
    const chat = this.store.chat(chatId);
    if (!chat) return;
    try {
      chat.notes = (await this.rest.notes(chatId)).notes;
      this.store.changed();
    } catch (e) {
      chat.notice = `error:${e instanceof ApiError ? e.code : 'internal'}`;
    }
  }
}

export interface Contact { contact_id: number; name: string | null; email: string | null; phone: string | null; list?: string }

export interface InvitationCode {
  code: string;
  url: string | null;
  created_at_ms: number;
  expires_at_ms: number;
  reusable: boolean;
  uses: number;
}
