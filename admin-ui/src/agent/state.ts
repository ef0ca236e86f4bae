// The agent dashboard's state, changed only by the engine's frames (`apply`) and by the
// agent's own actions; components read it and re-render on `subscribe`.
import type {
  AwayReason, ChatEvent, ChatPreview, Note, Offer, PageView, Participants, PastSession, Presence,
  ServerFrame, VisitorDetails, WaitingList, WrapUpRequired,
} from '../shared/protocol';
import type { Attachment, User } from '../shared/api';
import type { Connection } from '../shared/socket';
import { DEFAULT_LIMITS, isUnreadWorthy, type Limits } from './rules';

export interface ChatState {
  chatId: number;
  visitorName: string;
  websiteKey: string;
  queueName: string;
  arrivedAtMs: number;
  events: ChatEvent[];
  lastSeq: number;
  unread: number;
  draft: string;
  files: Attachment[];
  privateMode: boolean;
  ended: ChatEvent | null;
  /** Why the agent is out of the chat (transferred, left, removed); the tab stays until closed. */
  left: string | null;
  visitorConnected: boolean | null;
  visitorTyping: boolean;
  details: VisitorDetails | null;
  pages: PageView[];
  pastSessions: PastSession[];
  notes: Note[];
  participants: Participants | null;
  confirmDisconnect: boolean;
  confirmEnd: boolean;
  notice: string | null;
  readSent: number;
}

/** A passing message for the agent, by its code (shown with `noticeText`). */
export interface Notice { id: number; code: string; kind: 'info' | 'error' }

export interface AgentState {
  me: User;
  connection: Connection;
  presence: Presence;
  awayReason: AwayReason | null;
  awayReasons: AwayReason[];
  capacity: number;
  limits: Limits;
  offer: Offer | null;
  /** R22: the offer that expired into RONA, for the banner's explanation. */
  missedOffer: Offer | null;
  waitingLists: WaitingList[];
  chats: ChatState[];
  activeChatId: number | null;
  wrapUps: WrapUpRequired[];
  preview: ChatPreview | null;
  /** R32: the first messages of the offered chat, from a preview asked for with the offer. */
  offerPreview: ChatPreview | null;
  notices: Notice[];
  expanded: { chatId: number; text: string } | null;
}

type Listener = () => void;

/** Drafts survive a reload of the tab (sessionStorage is per tab and cleared with it). */
const DRAFT_KEY = 'parley.draft.';

export function saveDraft(chatId: number, text: string): void {
  try {
    if (text) sessionStorage.setItem(DRAFT_KEY + chatId, text);
    else sessionStorage.removeItem(DRAFT_KEY + chatId);
  } catch {
    // Storage may be full or switched off; the draft then lives in memory only.
  }
}

function loadDraft(chatId: number): string {
  try {
    return sessionStorage.getItem(DRAFT_KEY + chatId) ?? '';
  } catch {
    return '';
  }
}

function offeredChatId(state: AgentState): number | undefined {
  return state.offer?.chat_id;
}

export class AgentStore {
  state: AgentState;
  private listeners = new Set<Listener>();
  private focusNext: number | null = null;
  private noticeId = 1;
  /** Previews the agent opened itself (the others are asked for with an offer). */
  previewAsked = new Set<number>();

  constructor(me: User) {
    this.state = {
      me, connection: 'connecting', presence: 'away', awayReason: null, awayReasons: [],
      capacity: me.capacity, limits: DEFAULT_LIMITS, offer: null, missedOffer: null, waitingLists: [], chats: [],
      activeChatId: null, wrapUps: [], preview: null, offerPreview: null, notices: [], expanded: null,
    };
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  changed(): void {
    for (const listener of this.listeners) listener();
  }

  chat(chatId: number): ChatState | undefined {
    return this.state.chats.find((c) => c.chatId === chatId);
  }

  /** The agent accepted or picked this chat here: show it when it arrives. */
  focusWhenAssigned(chatId: number): void {
    this.focusNext = chatId;
  }

  activate(chatId: number): void {
    this.state.activeChatId = chatId;
    const chat = this.chat(chatId);
    if (chat) chat.unread = 0;
    this.changed();
  }

  closeTab(chatId: number): void {
    const index = this.state.chats.findIndex((c) => c.chatId === chatId);
    if (index < 0) return;
    this.state.chats.splice(index, 1);
    if (this.state.activeChatId === chatId) {
      const next = this.state.chats[Math.min(index, this.state.chats.length - 1)];
      this.state.activeChatId = next ? next.chatId : null;
      if (next) next.unread = 0;
    }
    this.changed();
  }

  notify(code: string, kind: 'info' | 'error' = 'info'): void {
    const id = this.noticeId++;
    this.state.notices.push({ id, code, kind });
    this.changed();
    window.setTimeout(() => this.dismiss(id), 8000);
  }

  dismiss(id: number): void {
    this.state.notices = this.state.notices.filter((n) => n.id !== id);
    this.changed();
  }

  private ensureChat(chatId: number): ChatState {
    let chat = this.chat(chatId);
    if (!chat) {
      const offer = this.state.offer?.chat_id === chatId ? this.state.offer : null;
      chat = {
        chatId, visitorName: offer?.visitor_name ?? '', websiteKey: offer?.website_key ?? '',
        queueName: offer?.queue_name ?? '', arrivedAtMs: Date.now(), events: [], lastSeq: 0,
        unread: 0, draft: loadDraft(chatId), files: [], privateMode: false, ended: null, left: null,
        visitorConnected: null, visitorTyping: false, details: offer?.visitor_details ?? null,
        pages: [], pastSessions: [], notes: [], participants: null, confirmDisconnect: false,
        confirmEnd: false, notice: null, readSent: 0,
      };
      this.state.chats.push(chat);
      if (this.state.activeChatId === null || this.focusNext === chatId) {
        this.state.activeChatId = chatId;
        this.focusNext = null;
      }
    }
    return chat;
  }

  private addEvent(event: ChatEvent): void {
    const chat = this.ensureChat(event.chat_id);
    if (event.seq <= chat.lastSeq) return; // a replay after a reconnect repeats nothing
    chat.events.push(event);
    chat.lastSeq = event.seq;
    if (event.kind === 'chat_requested') {
      chat.visitorName = event.visitor_name ?? chat.visitorName;
      chat.websiteKey = event.website_key ?? chat.websiteKey;
      chat.arrivedAtMs = event.at_ms;
    }
    if (event.kind === 'agent_joined' && event.agent_id === this.state.me.id) chat.arrivedAtMs = event.at_ms;
    if (event.kind === 'chat_ended') {
      chat.ended = event;
      chat.visitorTyping = false;
      chat.confirmDisconnect = false;
      chat.confirmEnd = false;
    }
    const looking = this.state.activeChatId === chat.chatId && document.visibilityState === 'visible';
    if (!looking && isUnreadWorthy(event, this.state.me.id)) chat.unread += 1;
    if (event.kind === 'message' && event.author.kind === 'visitor') chat.visitorTyping = false;
  }

  apply(frame: ServerFrame): void {
    const s = this.state;
    switch (frame.type) {
      case 'agent_hello': {
        s.presence = frame.presence;
        s.awayReason = frame.away_reason;
        s.awayReasons = frame.away_reasons;
        s.capacity = frame.capacity;
        if (frame.limits) s.limits = frame.limits;
        s.offer = frame.offer;
        s.waitingLists = frame.waiting_lists;
        // Chats the engine no longer lists ended or left while this tab was away.
        const held = new Set<number>(frame.chats.map((c: { chat_id: number }) => c.chat_id));
        for (const chat of s.chats) {
          if (!held.has(chat.chatId) && !chat.ended && !chat.left) chat.left = 'gone';
        }
        for (const id of held) this.ensureChat(id);
        break;
      }
      case 'presence':
        s.presence = frame.presence;
        s.awayReason = frame.away_reason;
        if (frame.presence !== 'rona') s.missedOffer = null;
        break;
      case 'away_reasons':
        s.awayReasons = frame.away_reasons;
        break;
      case 'capacity':
        s.capacity = frame.capacity;
        break;
      case 'offer':
        s.offer = frame as unknown as Offer;
        break;
      case 'offer_withdrawn':
        if (s.offer?.chat_id === frame.chat_id) {
          if (frame.reason === 'expired') s.missedOffer = s.offer;
          s.offer = null;
        }
        if (frame.reason === 'taken_by_another') this.notify(frame.reason);
        break;
      case 'chat_assigned': {
        const chat = this.ensureChat(frame.chat_id);
        chat.left = null;
        if (s.offer?.chat_id === frame.chat_id) s.offer = null;
        if (this.focusNext === frame.chat_id) {
          s.activeChatId = frame.chat_id;
          this.focusNext = null;
        }
        if (s.preview?.chat_id === frame.chat_id) s.preview = null;
        break;
      }
      case 'event':
        this.addEvent(frame as unknown as ChatEvent);
        break;
      case 'waiting_list': {
        const list = frame as unknown as WaitingList;
        const index = s.waitingLists.findIndex((w) => w.queue_id === list.queue_id);
        if (index >= 0) s.waitingLists[index] = list;
        else s.waitingLists.push(list);
        break;
      }
      case 'chat_preview': {
        const preview = frame as unknown as ChatPreview;
        const chat = this.chat(preview.chat_id);
        if (s.offer?.chat_id === preview.chat_id && s.preview?.chat_id !== preview.chat_id && !this.previewAsked.has(preview.chat_id)) {
          s.offerPreview = preview;
        } else if (chat && preview.state !== 'queued') {
          chat.details = preview.visitor_details;
          chat.pages = preview.pages;
          chat.pastSessions = preview.past_sessions;
          chat.notes = preview.notes;
          chat.visitorName = preview.visitor_name;
          chat.websiteKey = preview.website_key;
          chat.queueName = preview.queue_name;
        } else {
          s.preview = preview;
          this.previewAsked.delete(preview.chat_id);
        }
        break;
      }
      case 'visitor_page': {
        const chat = this.chat(frame.chat_id);
        if (chat) {
          chat.pages = [...chat.pages, { url: frame.url, title: frame.title, at_ms: frame.at_ms }];
          if (chat.details) chat.details = { ...chat.details, page_url: frame.url, page_title: frame.title };
        }
        break;
      }
      case 'visitor_updated': {
        const chat = this.chat(frame.chat_id);
        if (chat) {
          chat.visitorName = frame.visitor_name;
          chat.details = frame.visitor_details;
        }
        break;
      }
      case 'visitor_connection': {
        const chat = this.chat(frame.chat_id);
        if (chat) chat.visitorConnected = frame.connected;
        break;
      }
      case 'typing': {
        const chat = this.chat(frame.chat_id);
        if (chat && frame.by?.kind === 'visitor') chat.visitorTyping = frame.typing;
        break;
      }
      case 'predefined_expanded':
        s.expanded = { chatId: frame.chat_id, text: frame.text };
        break;
      case 'confirm_disconnect': {
        const chat = this.chat(frame.chat_id);
        if (chat) chat.confirmDisconnect = true;
        break;
      }
      case 'wrap_up_required':
        if (!s.wrapUps.some((w) => w.chat_id === frame.chat_id)) s.wrapUps.push(frame as unknown as WrapUpRequired);
        break;
      case 'wrap_up_done':
        s.wrapUps = s.wrapUps.filter((w) => w.chat_id !== frame.chat_id);
        break;
      case 'chat_participants': {
        const chat = this.chat(frame.chat_id);
        if (chat) chat.participants = frame as unknown as Participants;
        break;
      }
      case 'chat_left': {
        const chat = this.chat(frame.chat_id);
        if (chat) {
          chat.left = frame.reason;
          chat.participants = null;
          chat.visitorTyping = false;
          chat.confirmEnd = false;
          chat.confirmDisconnect = false;
        }
        break;
      }
      case 'transfer_failed':
      case 'invitation_declined': {
        const chat = this.chat(frame.chat_id);
        if (chat) chat.notice = `${frame.type}:${frame.reason}`;
        break;
      }
      case 'error':
        this.errorFrame(frame);
        break;
      default:
        break;
    }
    this.changed();
  }

  private errorFrame(frame: ServerFrame): void {
    // The preview asked for with an offer is a nicety: without it the card shows no messages.
    if (frame.chat_id === offeredChatId(this.state) && !this.chat(frame.chat_id)
      && ['preview_disabled', 'not_a_queue_member', 'chat_not_waiting', 'not_a_participant'].includes(frame.error)) return;
    const chat = typeof frame.chat_id === 'number' ? this.chat(frame.chat_id) : undefined;
    // A receipt or typing sent just before the chat ended or was handed on: nothing to say.
    if (chat && (chat.ended || chat.left) && ['not_a_participant', 'chat_ended'].includes(frame.error)) return;
    if (chat) chat.notice = `error:${frame.error}`;
    else this.notify(String(frame.error), 'error');
  }
}
