// A queue's leave-a-message switch (R67, R78), saved at once.
import { useEffect, useState } from 'preact/hooks';
import { t } from '../shared/i18n';
import { leaveMessage, saveLeaveMessage } from './queues';
import { errorText } from './queueErrors';

export /** R67, R78: whether visitors nobody took in this queue may leave a message (saved at once). */
function LeaveMessageSwitch({ queueId }: { queueId: number }) {
  const [on, setOn] = useState<boolean | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => { leaveMessage(queueId).then((l) => setOn(l.leave_message), (err) => setError(errorText(err))); }, [queueId]);
  const change = async (next: boolean) => {
    setError(null);
    setSaved(false);
    try {
      setOn((await saveLeaveMessage(queueId, next)).leave_message);
      setSaved(true);
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <div class="stack">
      <label class="row"><input type="checkbox" data-testid="queue-leave-message" checked={on ?? false} disabled={on === null}
        onChange={(e) => change((e.target as HTMLInputElement).checked)} />{t('queue_leave_message')}</label>
      <span class="muted">{t('queue_leave_message_hint')}</span>
      {saved && <p class="saved" role="status" data-testid="leave-message-saved">{t('form_saved')}</p>}
      {error && <p class="form-error" role="alert">{error}</p>}
    </div>
  );
}
