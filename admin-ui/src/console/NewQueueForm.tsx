// A new queue (R67), for admins: name, strategy, timeouts, RONA and leave-a-message.
import { useState } from 'preact/hooks';
import { t } from '../shared/i18n';
import { STRATEGIES, createQueue, type Strategy } from './queues';
import { errorText } from './queueErrors';

export /** R67: a new queue with the R20 defaults (15 s per offer, 60 s per hunt). */
function NewQueueForm({ onCreated, onCancel }: { onCreated: (id: number) => void; onCancel: () => void }) {
  const [name, setName] = useState('');
  const [strategy, setStrategy] = useState<Strategy>('sequential');
  const [offer, setOffer] = useState('15');
  const [hunt, setHunt] = useState('60');
  const [rona, setRona] = useState(true);
  const [leave, setLeave] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const queue = await createQueue({
        name, strategy, rona_enabled: rona, leave_message: leave,
        offer_timeout_ms: Math.round(Number(offer) * 1000), hunt_timeout_ms: Math.round(Number(hunt) * 1000),
      });
      onCreated(queue.queue_id);
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <form class="editor stack" onSubmit={submit} data-testid="new-queue-form">
      <h2>{t('queue_new')}</h2>
      <div class="grid2">
        <label>{t('site_name')}<input required data-testid="new-queue-name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} /></label>
        <label>{t('queue_strategy')}<select value={strategy} onChange={(e) => setStrategy((e.target as HTMLSelectElement).value as Strategy)}>
          {STRATEGIES.map((s) => <option key={s} value={s}>{t(`strategy_${s}` as 'strategy_sequential')}</option>)}
        </select></label>
        <label>{t('queue_offer_timeout')}<input type="number" min={1} step="any" value={offer} onInput={(e) => setOffer((e.target as HTMLInputElement).value)} /></label>
        <label>{t('queue_hunt_timeout')}<input type="number" min={1} step="any" value={hunt} onInput={(e) => setHunt((e.target as HTMLInputElement).value)} /></label>
        <label class="row"><input type="checkbox" checked={rona} onChange={(e) => setRona((e.target as HTMLInputElement).checked)} />{t('queue_rona')}</label>
        <label class="row"><input type="checkbox" data-testid="new-queue-leave-message" checked={leave}
          onChange={(e) => setLeave((e.target as HTMLInputElement).checked)} />{t('queue_leave_message')}</label>
      </div>
      {error && <p class="form-error" role="alert" data-testid="new-queue-error">{error}</p>}
      <div class="row">
        <button class="primary" type="submit" data-testid="new-queue-create">{t('queue_create')}</button>
        <button type="button" onClick={onCancel}>{t('cancel')}</button>
      </div>
    </form>
  );
}
