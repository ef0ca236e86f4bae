// The shapes of docs/protocol.md that the admin app reads (1.5, 5.3, 5.7).

export type Presence = 'available' | 'away' | 'rona' | 'offline';

export interface AwayReason { id: number; label: string }

export type Author =
  | { kind: 'visitor'; name: string }
  | { kind: 'agent'; id: number; name: string }
  | { kind: 'system' };

export interface Verified {
  sub: string | null;
  name: string | null;
  email: string | null;
  phone: string | null;
  attributes: Record<string, string>;
}

export interface VisitorDetails {
  fields: Record<string, unknown>;
  language: string | null;
  browser: string | null;
  browser_version: string | null;
  os: string | null;
  page_url: string | null;
  page_title: string | null;
  user_agent: string | null;
  verified?: Verified | null;
  typed_name?: string | null;
  email?: string | null;
  phone?: string | null;
}

export interface ChatEvent {
  chat_id: number;
  seq: number;
  at_ms: number;
  author: Author;
  private: boolean;
  kind: string;
  text?: string;
  attachments?: { id: string; name: string; mime_type: string; size: number }[];
  visitor_name?: string;
  website_key?: string;
  queue_id?: number;
  agent_id?: number;
  agent_name?: string;
  conference?: boolean;
  reason?: string;
  from_agent_name?: string;
  to_agent_name?: string;
  to_agent_id?: number;
  queue_name?: string;
  prompt?: string;
  options?: { id: string; label: string }[];
  offer_seq?: number;
  choice?: { id: string; label: string };
  ended_by?: { kind: string; id?: number };
  disposition?: string;
}

export interface Offer {
  chat_id: number;
  queue_id: number;
  queue_name: string;
  website_key: string;
  visitor_name: string;
  requested_at_ms: number;
  expires_at_ms: number;
  visitor_details: VisitorDetails;
  direct?: boolean;
  transfer?: { from_agent_id: number; from_agent_name: string; note?: string; to_queue_id?: number };
  invitation?: { from_agent_id: number; from_agent_name: string };
}

export interface WaitingEntry {
  chat_id: number;
  position: number;
  queue_id: number;
  website_key: string;
  visitor_name: string;
  requested_at_ms: number;
  visitor_details: VisitorDetails;
}

/** R34: the first chats in line (routing.waiting_list_limit) and how many wait in all. */
export interface WaitingList { queue_id: number; queue_name: string; entries: WaitingEntry[]; total: number }

export interface PageView { url: string; title: string | null; at_ms: number }

export interface PastSession {
  chat_id: number;
  requested_at_ms: number;
  ended_at_ms: number | null;
  state: string;
  disposition: string | null;
  agent_id: number | null;
  agent_name: string | null;
}

export interface Note {
  note_id: number;
  chat_id: number;
  author_name: string;
  text: string;
  at_ms: number;
}

export interface ChatPreview {
  chat_id: number;
  state: string;
  queue_id: number;
  queue_name: string;
  website_key: string;
  visitor_name: string;
  requested_at_ms: number;
  position: number | null;
  visitor_details: VisitorDetails;
  events: ChatEvent[];
  pages: PageView[];
  past_sessions: PastSession[];
  notes: Note[];
}

export interface WrapUpRequired {
  chat_id: number;
  owed_at_ms: number;
  auto_at_ms: number | null;
  default_reason_id: number;
  reasons: { id: number; label: string; is_default: boolean }[];
}

export interface Participants {
  chat_id: number;
  owner_id: number;
  agents: { agent_id: number; agent_name: string }[];
  pending: null | { kind: 'transfer' | 'invitation'; from_agent_id: number; agent_id?: number; queue_id?: number; offered_to: number | null };
}

export interface TransferTargets {
  agents: { user_id: number; display_name: string; presence: Presence; standing: string; open_chats: number; capacity: number }[];
  queues: { queue_id: number; name: string; available: number; busy: number; away: number; waiting: number }[];
}

/** Any frame the engine sends on the agent socket; `type` says which. */
export type ServerFrame = { type: string; [field: string]: any };
