import { t } from '../shared/i18n';
import type { Offer } from '../shared/protocol';
import type { AgentController } from './controller';
import { secondsLeft, elapsed } from './rules';
import { DetailsList } from './VisitorPanel';
import { EyeIcon } from '../shared/icons';

/** R16, R32: the offer, with everything the agent needs to decide, and its countdown. */
export function OfferCard({ offer, controller, now }: { offer: Offer; controller: AgentController; now: number }) {
  const left = secondsLeft(offer.expires_at_ms, now);
  const total = Math.max(1, Math.ceil((offer.expires_at_ms - offer.requested_at_ms) / 1000));
  const first = controller.store.state.offerPreview?.chat_id === offer.chat_id
    ? controller.store.state.offerPreview.events.filter((e) => e.kind === 'message' && !e.private).slice(0, 3)
    : [];
  const kind = offer.transfer ? t('offer_kind_transfer', { name: offer.transfer.from_agent_name })
    : offer.invitation ? t('offer_kind_invitation', { name: offer.invitation.from_agent_name })
    : offer.direct ? t('offer_kind_direct') : t('offer_kind_new');
  return (
    <section class="offer-card" role="alertdialog" aria-labelledby="offer-title" data-testid="offer-card">
      <header>
        <h2 id="offer-title">{kind}</h2>
        <span class="countdown" data-testid="offer-countdown" aria-live="off">
          {t('offer_countdown', { seconds: left })}
        </span>
      </header>
      <progress max={total} value={Math.min(left, total)} />
      <div class="offer-body">
        <p class="offer-visitor"><strong data-testid="offer-visitor">{offer.visitor_name}</strong>
          {' · '}{offer.queue_name}{' · '}<span class="website-key">{offer.website_key}</span>
          {' · '}{t('waited', { time: elapsed(offer.requested_at_ms, now) })}</p>
        {offer.transfer?.note && (
          <p class="transfer-note" data-testid="offer-note"><EyeIcon /> {t('offer_note')}: {offer.transfer.note}</p>
        )}
        <DetailsList details={offer.visitor_details} compact />
        {first.length > 0 && (
          <ul class="first-messages" data-testid="offer-messages">
            {first.map((e) => <li key={e.seq}>{e.text}</li>)}
          </ul>
        )}
      </div>
      <footer>
        <button class="primary" data-testid="offer-accept" onClick={() => controller.accept(offer.chat_id)}
          title={t('shortcut_accept')}>{t('offer_accept')}</button>
        <button data-testid="offer-reject" onClick={() => controller.reject(offer.chat_id)}
          title={t('shortcut_reject')}>{t('offer_reject')}</button>
      </footer>
    </section>
  );
}
