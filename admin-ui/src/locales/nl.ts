import type { Catalogue } from './en';

// Dutch. Keys not here fall back to English.
export const nl: Partial<Catalogue> = {
  section_agent: 'Agentenwerkplek', login_intro: 'Meld je aan om chats aan te nemen.', login_username: 'Gebruikersnaam',
  login_password: 'Wachtwoord', login_submit: 'Aanmelden', login_invalid: 'Onjuiste gebruikersnaam of wachtwoord.', logout: 'Afmelden',
  language_label: 'Taal', presence_label: 'Status', presence_available: 'Beschikbaar', presence_away: 'Afwezig',
  presence_away_reason: 'Afwezig: {reason}', presence_rona: 'Aanbod gemist (RONA)', presence_offline: 'Offline',
  connection_connecting: 'Verbinden…', connection_online: 'Verbonden', connection_reconnecting: 'Opnieuw verbinden…', connection_signed_out: 'Afgemeld',
  load: '{open} van {capacity} chats', rona_title: 'Je hebt een chataanbod gemist',
  rona_explained: 'Een aanbod is zonder antwoord verlopen. Je status is nu „Geen antwoord” en je krijgt geen nieuwe chats.',
  rona_explained_with: 'De chat van {name} ({queue}) is je aangeboden en zonder antwoord verlopen. Je status is nu „Geen antwoord” en je krijgt geen nieuwe chats.',
  rona_back: 'Weer beschikbaar', offer_kind_new: 'Nieuwe chat', offer_kind_transfer: 'Overdracht van {name}',
  offer_countdown: 'nog {seconds} s', offer_accept: 'Aannemen', offer_reject: 'Weigeren', waited: 'wacht {time}',
  waiting: 'Wachtend', waiting_none: 'Er wacht niemand.', messages_so_far: 'Berichten tot nu toe', preview_accept: 'Chat overnemen',
  redirect: 'Doorsturen', chats: 'Chats', end_chat: 'Chat beëindigen', close_tab: 'Sluiten', close: 'Sluiten',
  visitor_left: 'Bezoeker vertrokken', visitor_here: 'Bezoeker online', visitor_typing: '{name} typt…',
  confirm_end: 'De bezoeker is nog verbonden. Chat beëindigen?', confirm_disconnect: 'Bezoeker loskoppelen en deze chat beëindigen?',
  disconnect: 'Loskoppelen', cancel: 'Annuleren', chat_over: 'Deze chat is beëindigd.', private: 'Privé', private_on: 'Privé aan',
  predefined: 'Standaardteksten', predefined_search: 'Zoeken op titel…', attach: 'Bijvoegen', composer: 'Bericht',
  composer_placeholder: 'Schrijf een bericht. Enter verstuurt, Shift+Enter begint een nieuwe regel.', send: 'Versturen',
  send_private: 'Privé versturen', invite: 'Uitnodigen', transfer: 'Overdragen', transfer_title: 'Chat overdragen', refresh: 'Vernieuwen',
  agents: 'Agenten', queues: 'Wachtrijen', transfer_note_label: 'Notitie voor de volgende agent (alleen agenten zien die)',
  visitor_panel: 'Bezoeker', edit: 'Bewerken', save: 'Opslaan', search: 'Zoeken', none: 'Geen', pages_visited: 'Bezochte pagina’s',
  past_sessions: 'Eerdere chats', contact: 'Contact', notes: 'Notities', note_add: 'Notitie toevoegen', ban: 'Bezoeker blokkeren…',
  wrap_title: 'Afronding van de chat met {name}', wrap_reason: 'Reden', wrap_note: 'Notitie (optioneel)', wrap_submit: 'Klaar',
  codes_title: 'Uitnodigingscodes', codes_create: 'Code maken', error_code: 'Fout: {code}',
};
