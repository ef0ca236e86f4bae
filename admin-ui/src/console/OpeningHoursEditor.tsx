// A queue's opening hours (R29): Always, or weekly ranges in a time zone, with the websites'
// weekly editor; whether the queue is open now, as the engine says.
import { useEffect, useState } from 'preact/hooks';
import { t } from '../shared/i18n';
import { hoursOf, openingHours, saveOpeningHours } from './queues';
import { errorText } from './queueErrors';
import { WeeklyEditor, type Hours } from './WeeklyEditor';

export /** R29: the queue's opening hours, Always or weekly. */
function OpeningHoursEditor({ queueId }: { queueId: number }) {
  const [hours, setHours] = useState<Hours | null>(null);
  const [openNow, setOpenNow] = useState<boolean | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    openingHours(queueId).then((h) => { setHours(hoursOf(h.opening_hours)); setOpenNow(h.open_now); }, (err) => setError(errorText(err)));
  }, [queueId]);
  if (!hours) return error ? <p class="form-error" role="alert">{error}</p> : <p class="muted">…</p>;
  const save = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setSaved(false);
    try {
      const stored = await saveOpeningHours(queueId, hours);
      setHours(hoursOf(stored.opening_hours));
      setOpenNow(stored.open_now);
      setSaved(true);
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <form class="stack" onSubmit={save} data-testid="opening-hours">
      <WeeklyEditor draft={hours} onChange={(h) => { setSaved(false); setHours(h); }} legend={t('queue_opening_hours')}
        hint={t('queue_hours_hint')} />
      {openNow !== null && <p class="muted" data-testid="queue-open-now">{openNow ? t('queue_open_now') : t('queue_closed_now')}</p>}
      {error && <p class="form-error" role="alert" data-testid="hours-error">{error}</p>}
      {saved && <p class="saved" role="status" data-testid="hours-saved">{t('queue_hours_saved')}</p>}
      <div class="row"><button class="primary" type="submit" data-testid="hours-save">{t('save')}</button></div>
    </form>
  );
}
