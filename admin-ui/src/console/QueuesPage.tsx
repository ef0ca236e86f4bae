// The Queues page of the supervisor console (R17, R20, R22, R28, R29, R67): queues created and
// deleted; a queue's strategy, offer and hunt timeouts, RONA switch and opening hours, and its
// members in hunt order, moved by arrows or dragged. Every change is live at once in the
// engine's routing (docs/protocol.md 4.9, 4.11, 4.13, 4.38).
import { useEffect, useState } from 'preact/hooks';
import { t } from '../shared/i18n';
import { me } from '../shared/api';
import { listQueues, type Queue } from './websites';
import {
  STRATEGIES, type Agent, type Member, listAgents, type RoutingRules, members as loadMembers, moved, removeMember, routingRules, saveRoutingRules, setHuntOrder,
  deleteQueue, reordered,
} from './queues';
import { errorText } from './queueErrors';
import { OpeningHoursEditor } from './OpeningHoursEditor';
import { LeaveMessageSwitch } from './LeaveMessageSwitch';
import { NewQueueForm } from './NewQueueForm';

const seconds = (ms: number) => String(Math.round(ms / 100) / 10);

function QueueEditor({ queue, admin, onDeleted }: { queue: Queue; admin: boolean; onDeleted: () => void }) {
  const [dragged, setDragged] = useState<number | null>(null);
  const [rules, setRules] = useState<RoutingRules | null>(null);
  const [offer, setOffer] = useState('');
  const [hunt, setHunt] = useState('');
  const [list, setList] = useState<Member[]>([]);
  const [agents, setAgents] = useState<Agent[]>([]);
  const [adding, setAdding] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const reload = () => Promise.all([routingRules(queue.queue_id), loadMembers(queue.queue_id)]).then(([r, m]) => {
    setRules(r);
    setOffer(seconds(r.offer_timeout_ms));
    setHunt(seconds(r.hunt_timeout_ms));
    setList(m.members);
  }, (err) => setError(errorText(err)));
  useEffect(() => {
    reload();
    listAgents().then((a) => setAgents(a.agents), (err) => setError(errorText(err)));
  }, [queue.queue_id]);
  const outsiders = agents.filter((a) => !list.some((m) => m.user_id === a.user_id));
  if (!rules) return <section class="editor">{error ? <p class="form-error" role="alert">{error}</p> : <p class="muted">…</p>}</section>;
  const save = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setSaved(false);
    try {
      const next = { ...rules, offer_timeout_ms: Math.round(Number(offer) * 1000), hunt_timeout_ms: Math.round(Number(hunt) * 1000) };
      const stored = await saveRoutingRules(queue.queue_id, next);
      setRules(stored);
      setSaved(true);
    } catch (err) {
      setError(errorText(err));
    }
  };
  const move = (index: number, by: -1 | 1) => apply(moved(list, index, by).changes);
  /** R17: a member dropped on another's row takes its place. */
  const drop = (to: number) => {
    if (dragged !== null) apply(reordered(list, dragged, to).changes);
    setDragged(null);
  };
  /** R67: deleted only when no website targets it and no chat uses it (`queue_in_use`). */
  const removeQueue = async () => {
    if (!confirm(t('queue_delete_confirm', { name: queue.name }))) return;
    setError(null);
    try {
      await deleteQueue(queue.queue_id);
      onDeleted();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const apply = async (changes: { user_id: number; hunt_order: number }[]) => {
    // The list shows the order the engine stored: it is read again once every change is in.
    try {
      for (const change of changes) await setHuntOrder(queue.queue_id, change.user_id, change.hunt_order);
    } catch (err) {
      setError(errorText(err));
    }
    reload();
  };
  /** R67: a new member hunts last. */
  const add = async (e: Event) => {
    e.preventDefault();
    if (adding === '') return;
    try {
      await setHuntOrder(queue.queue_id, Number(adding), list.length + 1);
      setAdding('');
    } catch (err) {
      setError(errorText(err));
    }
    reload();
  };
  const remove = async (member: Member) => {
    try {
      await removeMember(queue.queue_id, member.user_id);
    } catch (err) {
      setError(errorText(err));
    }
    reload();
  };
  return (
    <section class="editor stack" data-testid="queue-editor">
      <h2>{queue.name}</h2>
      <form class="stack" onSubmit={save}>
        <div class="grid2">
          <label>{t('queue_strategy')}<select data-testid="queue-strategy" value={rules.strategy}
            onChange={(e) => setRules({ ...rules, strategy: (e.target as HTMLSelectElement).value as RoutingRules['strategy'] })}>
            {STRATEGIES.map((s) => <option key={s} value={s}>{t(`strategy_${s}` as 'strategy_sequential')}</option>)}
          </select></label>
          <label class="row"><input type="checkbox" data-testid="queue-rona" checked={rules.rona_enabled}
            onChange={(e) => setRules({ ...rules, rona_enabled: (e.target as HTMLInputElement).checked })} />{t('queue_rona')}</label>
          <label>{t('queue_offer_timeout')}<input type="number" min={1} step="any" data-testid="queue-offer" value={offer}
            onInput={(e) => setOffer((e.target as HTMLInputElement).value)} /></label>
          <label>{t('queue_hunt_timeout')}<input type="number" min={1} step="any" data-testid="queue-hunt" value={hunt}
            onInput={(e) => setHunt((e.target as HTMLInputElement).value)} /></label>
        </div>
        <p class="muted">{t('queue_rules_hint')}</p>
        {error && <p class="form-error" role="alert" data-testid="queue-error">{error}</p>}
        {saved && <p class="saved" role="status" data-testid="queue-saved">{t('queue_saved')}</p>}
        <div class="row"><button class="primary" type="submit" data-testid="queue-save">{t('save')}</button></div>
      </form>
      <h3>{t('queue_members')}</h3>
      {list.length === 0 ? <p class="muted">{t('queue_no_members')}</p> : (
        <table class="list" data-testid="queue-members">
          <thead><tr><th>{t('queue_hunt_order')}</th><th>{t('queue_member')}</th><th>{t('presence_label')}</th><th /></tr></thead>
          <tbody>
            {list.map((m, i) => (
              <tr key={m.user_id} data-testid={`member-${m.username}`} draggable title={t('queue_drag_hint')}
                class={dragged === i ? 'dragging' : ''}
                onDragStart={(e) => { setDragged(i); e.dataTransfer?.setData('text/plain', String(m.user_id)); }}
                onDragOver={(e) => { if (dragged !== null) e.preventDefault(); }}
                onDrop={(e) => { e.preventDefault(); drop(i); }}
                onDragEnd={() => setDragged(null)}>
                <td>{i + 1}</td>
                <td>{m.display_name} <span class="muted">({m.username})</span></td>
                <td>{t(`presence_${m.presence}` as 'presence_available')}</td>
                <td class="row">
                  <button type="button" aria-label={t('move_up')} title={t('move_up')} data-testid={`up-${m.username}`} disabled={i === 0} onClick={() => move(i, -1)}>↑</button>
                  <button type="button" aria-label={t('move_down')} title={t('move_down')} data-testid={`down-${m.username}`} disabled={i === list.length - 1} onClick={() => move(i, 1)}>↓</button>
                  <button type="button" onClick={() => remove(m)}>{t('remove')}</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {outsiders.length > 0 && (
        <form class="row" onSubmit={add}>
          <select data-testid="member-add-pick" aria-label={t('queue_add_member')} value={adding}
            onChange={(e) => setAdding((e.target as HTMLSelectElement).value)}>
            <option value="">{t('queue_pick_agent')}</option>
            {outsiders.map((a) => <option key={a.user_id} value={String(a.user_id)}>{a.display_name} ({a.username})</option>)}
          </select>
          <button type="submit" data-testid="member-add" disabled={adding === ''}>{t('queue_add_member')}</button>
        </form>
      )}
      <OpeningHoursEditor queueId={queue.queue_id} />
      <LeaveMessageSwitch queueId={queue.queue_id} />
      {admin && (
        <div class="row"><span class="spacer" />
          <button type="button" class="danger" data-testid="queue-delete" onClick={removeQueue}>{t('queue_delete')}</button></div>
      )}
    </section>
  );
}

export function QueuesPage() {
  const [queues, setQueues] = useState<Queue[] | null>(null);
  const [selected, setSelected] = useState<Queue | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [admin, setAdmin] = useState(false);
  const load = (select?: number) => listQueues().then((q) => {
    setQueues(q.queues);
    setSelected((s) => q.queues.find((x) => x.queue_id === (select ?? s?.queue_id)) ?? q.queues[0] ?? null);
  }, (err) => setError(errorText(err)));
  useEffect(() => {
    load();
    me().then((u) => setAdmin(u.role === 'admin'), () => setAdmin(false));
  }, []);
  return (
    <main class="console" data-testid="queues-page">
      <section class="console-list stack">
        <div class="row"><h1>{t('section_queues')}</h1><span class="spacer" />
          {admin && <button class="primary" data-testid="new-queue" onClick={() => setCreating(true)}>{t('queue_new')}</button>}</div>
        {error && <p class="form-error" role="alert">{error}</p>}
        {queues === null ? <p class="muted">…</p> : (
          <table class="list" data-testid="queues">
            <tbody>
              {queues.map((q) => (
                <tr key={q.queue_id} class={selected?.queue_id === q.queue_id ? 'selected' : ''} data-testid={`queue-${q.queue_id}`}>
                  <td><button class="link" onClick={() => { setCreating(false); setSelected(q); }}>{q.name}</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {creating && <NewQueueForm onCancel={() => setCreating(false)} onCreated={(id) => { setCreating(false); load(id); }} />}
      {!creating && selected && (
        <QueueEditor key={selected.queue_id} queue={selected} admin={admin}
          onDeleted={() => { setSelected(null); load(-1); }} />
      )}
    </main>
  );
}
