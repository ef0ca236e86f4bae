import type { Catalogue } from './en';

// Swedish. Keys not here fall back to English.
export const sv: Partial<Catalogue> = {
  section_agent: 'Agentplats', login_intro: 'Logga in för att ta emot chattar.', login_username: 'Användarnamn',
  login_password: 'Lösenord', login_submit: 'Logga in', login_invalid: 'Fel användarnamn eller lösenord.', logout: 'Logga ut',
  language_label: 'Språk', presence_label: 'Status', presence_available: 'Tillgänglig', presence_away: 'Borta',
  presence_away_reason: 'Borta: {reason}', presence_rona: 'Missat erbjudande (RONA)', presence_offline: 'Offline',
  connection_connecting: 'Ansluter…', connection_online: 'Ansluten', connection_reconnecting: 'Återansluter…', connection_signed_out: 'Utloggad',
  load: '{open} av {capacity} chattar', rona_title: 'Du missade ett chatterbjudande',
  rona_explained: 'Ett erbjudande gick ut utan svar. Din status är nu ”Inget svar” och du får inga nya chattar.',
  rona_explained_with: 'Chatten från {name} ({queue}) erbjöds dig och gick ut utan svar. Din status är nu ”Inget svar” och du får inga nya chattar.',
  rona_back: 'Tillgänglig igen', offer_kind_new: 'Ny chatt', offer_kind_transfer: 'Överföring från {name}',
  offer_countdown: '{seconds} s kvar', offer_accept: 'Acceptera', offer_reject: 'Avvisa', waited: 'väntar {time}',
  waiting: 'Väntande', waiting_none: 'Ingen väntar.', messages_so_far: 'Meddelanden hittills', preview_accept: 'Ta chatten',
  redirect: 'Skicka vidare', chats: 'Chattar', end_chat: 'Avsluta chatt', close_tab: 'Stäng', close: 'Stäng',
  visitor_left: 'Besökaren har gått', visitor_here: 'Besökaren online', visitor_typing: '{name} skriver…',
  confirm_end: 'Besökaren är fortfarande ansluten. Avsluta chatten?', confirm_disconnect: 'Koppla från besökaren och avsluta chatten?',
  disconnect: 'Koppla från', cancel: 'Avbryt', chat_over: 'Chatten är avslutad.', private: 'Privat', private_on: 'Privat på',
  predefined: 'Fördefinierade', predefined_search: 'Sök på titel…', attach: 'Bifoga', composer: 'Meddelande',
  composer_placeholder: 'Skriv ett meddelande. Enter skickar, Skift+Enter ger ny rad.', send: 'Skicka', send_private: 'Skicka privat',
  invite: 'Bjud in', transfer: 'Överför', transfer_title: 'Överför chatten', refresh: 'Uppdatera', agents: 'Agenter', queues: 'Köer',
  transfer_note_label: 'Anteckning till nästa agent (bara agenter ser den)', visitor_panel: 'Besökare', edit: 'Redigera',
  save: 'Spara', search: 'Sök', none: 'Inga', pages_visited: 'Besökta sidor', past_sessions: 'Tidigare chattar', contact: 'Kontakt',
  notes: 'Anteckningar', note_add: 'Lägg till anteckning', ban: 'Spärra besökaren…', wrap_title: 'Efterarbete för chatten med {name}',
  wrap_reason: 'Orsak', wrap_note: 'Anteckning (valfri)', wrap_submit: 'Klar', codes_title: 'Inbjudningskoder', codes_create: 'Skapa kod',
  error_code: 'Fel: {code}',
};
