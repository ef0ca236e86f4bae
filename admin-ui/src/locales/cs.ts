import type { Catalogue } from './en';

// Czech. Keys not here fall back to English.
export const cs: Partial<Catalogue> = {
  section_agent: 'Pracoviště operátora', login_intro: 'Přihlaste se a přijímejte chaty.', login_username: 'Uživatelské jméno',
  login_password: 'Heslo', login_submit: 'Přihlásit', login_invalid: 'Nesprávné jméno nebo heslo.', logout: 'Odhlásit',
  language_label: 'Jazyk', presence_label: 'Stav', presence_available: 'K dispozici', presence_away: 'Nepřítomen',
  presence_away_reason: 'Nepřítomen: {reason}', presence_rona: 'Zmeškaná nabídka (RONA)', presence_offline: 'Offline',
  connection_connecting: 'Připojování…', connection_online: 'Připojeno', connection_reconnecting: 'Obnovování spojení…', connection_signed_out: 'Odhlášeno',
  load: '{open} z {capacity} chatů', rona_title: 'Zmeškali jste nabídku chatu',
  rona_explained: 'Nabídka vypršela bez odpovědi. Váš stav je nyní „Bez odpovědi“ a nové chaty nedostáváte.',
  rona_explained_with: 'Chat od {name} ({queue}) vám byl nabídnut a vypršel bez odpovědi. Váš stav je nyní „Bez odpovědi“ a nové chaty nedostáváte.',
  rona_back: 'Zpět k dispozici', offer_kind_new: 'Nový chat', offer_kind_transfer: 'Předání od {name}',
  offer_countdown: 'zbývá {seconds} s', offer_accept: 'Přijmout', offer_reject: 'Odmítnout', waited: 'čeká {time}',
  waiting: 'Čekající', waiting_none: 'Nikdo nečeká.', messages_so_far: 'Dosavadní zprávy', preview_accept: 'Převzít chat',
  redirect: 'Přesměrovat', chats: 'Chaty', end_chat: 'Ukončit chat', close_tab: 'Zavřít', close: 'Zavřít',
  visitor_left: 'Návštěvník odešel', visitor_here: 'Návštěvník online', visitor_typing: '{name} píše…',
  confirm_end: 'Návštěvník je stále připojen. Ukončit chat?', confirm_disconnect: 'Odpojit návštěvníka a ukončit tento chat?',
  disconnect: 'Odpojit', cancel: 'Zrušit', chat_over: 'Tento chat skončil.', private: 'Soukromé', private_on: 'Soukromé zapnuto',
  predefined: 'Předdefinované zprávy', predefined_search: 'Hledat podle názvu…', attach: 'Přiložit', composer: 'Zpráva',
  composer_placeholder: 'Napište zprávu. Enter odešle, Shift+Enter vloží nový řádek.', send: 'Odeslat', send_private: 'Odeslat soukromě',
  invite: 'Pozvat', transfer: 'Předat', transfer_title: 'Předat chat', refresh: 'Obnovit', agents: 'Operátoři', queues: 'Fronty',
  transfer_note_label: 'Poznámka pro dalšího operátora (vidí ji jen operátoři)', visitor_panel: 'Návštěvník', edit: 'Upravit',
  save: 'Uložit', search: 'Hledat', none: 'Žádné', pages_visited: 'Navštívené stránky', past_sessions: 'Dřívější chaty', contact: 'Kontakt',
  notes: 'Poznámky', note_add: 'Přidat poznámku', ban: 'Zablokovat návštěvníka…', wrap_title: 'Dokončení chatu s {name}',
  wrap_reason: 'Důvod', wrap_note: 'Poznámka (volitelná)', wrap_submit: 'Hotovo', codes_title: 'Pozvánkové kódy', codes_create: 'Vytvořit kód',
  error_code: 'Chyba: {code}',
};
