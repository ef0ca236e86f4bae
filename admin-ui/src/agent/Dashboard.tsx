import { useEffect, useState } from 'preact/hooks';
import { t } from '../shared/i18n';
import type { AgentController } from './controller';
import { PresenceMenu, ConnectionState, RonaBanner } from './TopBar';
import { OfferCard } from './OfferCard';
import { WaitingPanel, PreviewDialog } from './WaitingPanel';
import { ChatTabs, ChatView } from './ChatView';
import { VisitorPanel } from './VisitorPanel';
import { WrapUpDialog } from './WrapUpDialog';
import { InvitationCodes } from './InvitationCodes';
import { noticeText } from './notices';

/** Re-renders every second, for countdowns and timers. */
function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, []);
  return now;
}

function useStore(controller: AgentController): void {
  const [, setVersion] = useState(0);
  useEffect(() => controller.store.subscribe(() => setVersion((v) => v + 1)), [controller]);
}

/** Keyboard shortcuts: Alt+A accepts the offer, Alt+X rejects it, Alt+1…9 and Alt+←/→ switch
 *  tabs (Enter sends in the composer). Alt keeps them clear of typing. */
function useShortcuts(controller: AgentController): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey) return;
      const s = controller.store.state;
      const key = e.key.toLowerCase();
      if ((key === 'a' || e.code === 'KeyA') && s.offer) { e.preventDefault(); controller.accept(s.offer.chat_id); return; }
      if ((key === 'x' || e.code === 'KeyX') && s.offer) { e.preventDefault(); controller.reject(s.offer.chat_id); return; }
      const digit = /^Digit([1-9])$/.exec(e.code);
      if (digit) {
        const chat = s.chats[Number(digit[1]) - 1];
        if (chat) { e.preventDefault(); controller.store.activate(chat.chatId); }
        return;
      }
      if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
        const index = s.chats.findIndex((c) => c.chatId === s.activeChatId);
        if (index < 0) return;
        const next = s.chats[(index + (e.key === 'ArrowRight' ? 1 : s.chats.length - 1)) % s.chats.length];
        e.preventDefault();
        controller.store.activate(next.chatId);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [controller]);
}

export function AgentDashboard({ controller, toolbar }: { controller: AgentController; toolbar: preact.ComponentChild }) {
  useStore(controller);
  useShortcuts(controller);
  const now = useNow();
  const [codes, setCodes] = useState(false);
  const state = controller.store.state;
  const chat = state.chats.find((c) => c.chatId === state.activeChatId) ?? null;
  const wrapUp = state.wrapUps[0];
  const wrapChat = wrapUp ? controller.store.chat(wrapUp.chat_id) : undefined;
  return (
    <div class="agent-desk">
      <div class="desk-bar">
        <PresenceMenu state={state} controller={controller} />
        <ConnectionState state={state} />
        <span class="muted">{t('load', { open: state.chats.filter((c) => !c.ended && !c.left).length, capacity: state.capacity })}</span>
        <span class="spacer" />
        <button data-testid="codes-open" onClick={() => setCodes(true)}>{t('codes_title')}</button>
        {toolbar}
      </div>
      <RonaBanner state={state} controller={controller} />
      {state.offer && <OfferCard offer={state.offer} controller={controller} now={now} />}
      <div class="notices" aria-live="polite">
        {state.notices.map((n) => (
          <p key={n.id} class={`notice ${n.kind}`}>{noticeText(`error:${n.code}`, state.limits)}
            <button class="link" onClick={() => controller.store.dismiss(n.id)}>{t('dismiss')}</button></p>
        ))}
      </div>
      <div class="desk">
        <WaitingPanel state={state} controller={controller} now={now} />
        <main class="work">
          <ChatTabs state={state} controller={controller} now={now} />
          {chat ? <ChatView key={chat.chatId} chat={chat} controller={controller} />
            : <p class="empty" data-testid="no-chats">{state.presence === 'available' ? t('empty_available') : t('empty_away')}</p>}
        </main>
        {chat && <VisitorPanel key={chat.chatId} chat={chat} controller={controller} />}
      </div>
      {state.preview && <PreviewDialog preview={state.preview} controller={controller} />}
      {wrapUp && <WrapUpDialog key={wrapUp.chat_id} wrapUp={wrapUp} visitorName={wrapChat?.visitorName ?? ''} controller={controller} now={now} />}
      {codes && <InvitationCodes controller={controller} websiteKey={chat?.websiteKey ?? ''} onClose={() => setCodes(false)} />}
    </div>
  );
}
