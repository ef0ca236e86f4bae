// The lists of the supervisor console (R68, R69, R72): predefined messages with their scope,
// wrap-up reasons and away reasons (add, rename, reorder, deactivate, the default), and the
// global settings. R71: supervisors manage predefined messages; reasons and settings are
// admins' (supervisors read them).
import { useEffect, useState } from 'preact/hooks';
import { t } from '../shared/i18n';
import { ApiError, type User } from '../shared/api';
import { listQueues, type Queue } from './websites';
import { listAgents, type Agent } from './queues';
import {
  changeReason, createPredefined, createReason, deletePredefined, getOptions, listPredefined, listReasons, mayEdit, minutesText, OPTION_NAMES,
  predefinedBody, reorder, saveOptions, scopeOf, timeoutFromMinutes, updatePredefined, type Options, type Predefined, type Reason, type ReasonList, type Scope,
} from './lists';

function errorText(err: unknown): string {
  const code = err instanceof ApiError ? err.code : 'network_error';
  return t('error_code', { code });
}

function PredefinedEditor({ message, queues, agents, onDone }: { message: Predefined | null; queues: Queue[]; agents: Agent[]; onDone: () => void }) {
  const [title, setTitle] = useState(message?.title ?? '');
  const [body, setBody] = useState(message?.body ?? '');
  const [scope, setScope] = useState<Scope>(message ? scopeOf(message) : { kind: 'all' });
  const [error, setError] = useState<string | null>(null);
  const save = async (e: Event) => {
    e.preventDefault();
    try {
      const b = predefinedBody(title, body, scope);
      if (message) await updatePredefined(message.id, b); else await createPredefined(b);
      onDone();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const kind = (value: string) => setScope(value === 'queue' ? { kind: 'queue', queue_id: queues[0]?.queue_id ?? 0 }
    : value === 'agent' ? { kind: 'agent', agent_id: agents[0]?.user_id ?? 0 } : { kind: 'all' });
  return (
    <form class="stack editor" onSubmit={save} data-testid="predefined-editor">
      <label>{t('lists_title')}<input data-testid="predefined-title" maxLength={100} required value={title} onInput={(e) => setTitle((e.target as HTMLInputElement).value)} /></label>
      <label>{t('lists_body')}<textarea data-testid="predefined-body" rows={4} maxLength={1000} required value={body} onInput={(e) => setBody((e.target as HTMLTextAreaElement).value)} /></label>
      <p class="muted">{t('lists_placeholders')}</p>
      <div class="row">
        <label>{t('lists_scope')}<select data-testid="predefined-scope" value={scope.kind} onChange={(e) => kind((e.target as HTMLSelectElement).value)}>
          <option value="all">{t('lists_scope_all')}</option>
          <option value="queue">{t('lists_scope_queue')}</option>
          <option value="agent">{t('lists_scope_agent')}</option>
        </select></label>
        {scope.kind === 'queue' && <select data-testid="predefined-queue" aria-label={t('lists_scope_queue')} value={String(scope.queue_id)}
          onChange={(e) => setScope({ kind: 'queue', queue_id: Number((e.target as HTMLSelectElement).value) })}>
          {queues.map((q) => <option key={q.queue_id} value={String(q.queue_id)}>{q.name}</option>)}
        </select>}
        {scope.kind === 'agent' && <select data-testid="predefined-agent" aria-label={t('lists_scope_agent')} value={String(scope.agent_id)}
          onChange={(e) => setScope({ kind: 'agent', agent_id: Number((e.target as HTMLSelectElement).value) })}>
          {agents.map((a) => <option key={a.user_id} value={String(a.user_id)}>{a.display_name}</option>)}
        </select>}
      </div>
      {error && <p class="form-error" role="alert" data-testid="predefined-error">{error}</p>}
      <div class="row">
        <button class="primary" type="submit" data-testid="predefined-save">{t('save')}</button>
        <button type="button" onClick={onDone}>{t('cancel')}</button>
      </div>
    </form>
  );
}

function PredefinedSection({ user }: { user: User }) {
  const [items, setItems] = useState<Predefined[] | null>(null);
  const [queues, setQueues] = useState<Queue[]>([]);
  const [agents, setAgents] = useState<Agent[]>([]);
  const [editing, setEditing] = useState<Predefined | 'new' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const editable = mayEdit(user, 'predefined');
  const reload = () => listPredefined().then((r) => setItems(r.predefined_messages), (err) => setError(errorText(err)));
  useEffect(() => {
    reload();
    listQueues().then((q) => setQueues(q.queues), () => undefined);
    listAgents().then((a) => setAgents(a.agents), () => undefined);
  }, []);
  const scopeText = (m: Predefined) => {
    const s = scopeOf(m);
    if (s.kind === 'queue') return t('lists_for_queue', { name: queues.find((q) => q.queue_id === s.queue_id)?.name ?? String(s.queue_id) });
    if (s.kind === 'agent') return t('lists_for_agent', { name: agents.find((a) => a.user_id === s.agent_id)?.display_name ?? String(s.agent_id) });
    return t('lists_scope_all');
  };
  const remove = async (m: Predefined) => {
    if (!window.confirm(t('lists_delete_confirm', { title: m.title }))) return;
    try { await deletePredefined(m.id); } catch (err) { setError(errorText(err)); }
    reload();
  };
  const done = () => { setEditing(null); reload(); };
  return (
    <section class="console-list stack" data-testid="lists-predefined">
      <h2>{t('lists_predefined')}</h2>
      {error && <p class="form-error" role="alert">{error}</p>}
      {items === null ? <p class="muted">…</p> : items.length === 0 ? <p class="muted">{t('lists_none')}</p> : (
        <table class="list" data-testid="predefined-list">
          <thead><tr><th>{t('lists_title')}</th><th>{t('lists_scope')}</th><th>{t('lists_body')}</th><th /></tr></thead>
          <tbody>
            {items.map((m) => (
              <tr key={m.id} data-testid={`predefined-${m.id}`}>
                <td>{m.title}</td><td>{scopeText(m)}</td><td class="pre clip">{m.body}</td>
                <td class="row">{editable && <>
                  <button type="button" onClick={() => setEditing(m)}>{t('edit')}</button>
                  <button type="button" onClick={() => remove(m)}>{t('remove')}</button>
                </>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {editable && editing === null && <div class="row"><button data-testid="predefined-new" onClick={() => setEditing('new')}>{t('lists_new_predefined')}</button></div>}
      {editing !== null && <PredefinedEditor key={editing === 'new' ? 'new' : editing.id} message={editing === 'new' ? null : editing} queues={queues} agents={agents} onDone={done} />}
    </section>
  );
}

function ReasonsSection({ list, user }: { list: ReasonList; user: User }) {
  const [reasons, setReasons] = useState<Reason[] | null>(null);
  const [label, setLabel] = useState('');
  const [renaming, setRenaming] = useState<{ id: number; label: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const editable = mayEdit(user, list === 'wrap-up-reasons' ? 'wrap_up' : 'away');
  const withDefault = list === 'wrap-up-reasons';
  const reload = () => listReasons(list).then(setReasons, (err) => setError(errorText(err)));
  useEffect(() => { reload(); }, [list]);
  const act = async (work: () => Promise<unknown>) => {
    setError(null);
    try { await work(); } catch (err) { setError(errorText(err)); }
    reload();
  };
  const move = (index: number, by: -1 | 1) => act(async () => {
    for (const c of reorder(reasons ?? [], index, by)) await changeReason(list, c.id, { sort_order: c.sort_order });
  });
  const add = (e: Event) => { e.preventDefault(); act(async () => { await createReason(list, label); setLabel(''); }); };
  const rename = (e: Event) => {
    e.preventDefault();
    if (!renaming) return;
    act(async () => { await changeReason(list, renaming.id, { label: renaming.label }); setRenaming(null); });
  };
  const id = list === 'wrap-up-reasons' ? 'wrap-up' : 'away';
  return (
    <section class="console-list stack" data-testid={`lists-${id}`}>
      <h2>{t(list === 'wrap-up-reasons' ? 'lists_wrap_up' : 'lists_away')}</h2>
      {!editable && <p class="muted">{t('lists_admin_only')}</p>}
      {error && <p class="form-error" role="alert" data-testid={`${id}-error`}>{error}</p>}
      {reasons === null ? <p class="muted">…</p> : (
        <table class="list" data-testid={`${id}-reasons`}>
          <tbody>
            {reasons.map((r, i) => (
              <tr key={r.id} class={r.active ? '' : 'inactive'} data-testid={`${id}-reason-${r.id}`}>
                <td>{renaming?.id === r.id
                  ? <form class="row" onSubmit={rename}><input aria-label={t('lists_label')} value={renaming.label} maxLength={60}
                    onInput={(e) => setRenaming({ id: r.id, label: (e.target as HTMLInputElement).value })} /><button type="submit">{t('save')}</button></form>
                  : <>{r.label}{r.is_default && <span class="badge ok">{t('lists_default')}</span>}{!r.active && <span class="badge warn">{t('lists_inactive')}</span>}</>}</td>
                {editable && <td class="row">
                  <button type="button" aria-label={t('move_up')} title={t('move_up')} disabled={i === 0} onClick={() => move(i, -1)}>↑</button>
                  <button type="button" aria-label={t('move_down')} title={t('move_down')} disabled={i === reasons.length - 1} onClick={() => move(i, 1)}>↓</button>
                  <button type="button" onClick={() => setRenaming({ id: r.id, label: r.label })}>{t('lists_rename')}</button>
                  {!r.is_default && <button type="button" data-testid={`${id}-toggle-${r.id}`}
                    onClick={() => act(() => changeReason(list, r.id, { active: !r.active }))}>{r.active ? t('lists_deactivate') : t('lists_activate')}</button>}
                  {withDefault && !r.is_default && r.active && <button type="button"
                    onClick={() => act(() => changeReason(list, r.id, { is_default: true }))}>{t('lists_make_default')}</button>}
                </td>}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {editable && (
        <form class="row" onSubmit={add}>
          <input data-testid={`${id}-new`} aria-label={t('lists_label')} placeholder={t('lists_new_reason')} maxLength={60} required value={label}
            onInput={(e) => setLabel((e.target as HTMLInputElement).value)} />
          <button type="submit" data-testid={`${id}-add`}>{t('lists_add')}</button>
        </form>
      )}
    </section>
  );
}

function OptionsSection({ user }: { user: User }) {
  const [options, setOptions] = useState<Options | null>(null);
  const [minutes, setMinutes] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const editable = mayEdit(user, 'options');
  const show = (o: Options) => { setOptions(o); setMinutes(minutesText(o.unattended_timeout_ms)); };
  useEffect(() => { if (editable) getOptions().then(show, (err) => setError(errorText(err))); }, []);
  if (!editable) return null;
  const save = async (e: Event) => {
    e.preventDefault();
    if (!options) return;
    const timeout = timeoutFromMinutes(minutes);
    if (timeout === 'invalid') { setError(t('option_timeout_invalid')); return; }
    setError(null);
    try {
      show(await saveOptions({
        client_preview: options.client_preview, show_routed_agents: options.show_routed_agents,
        agents_may_ban: options.agents_may_ban, unattended_timeout_ms: timeout,
      }));
      setSaved(true);
    } catch (err) { setError(errorText(err)); }
  };
  return (
    <section class="console-list stack" data-testid="lists-options">
      <h2>{t('lists_options')}</h2>
      {options && (
        <form class="stack" onSubmit={save}>
          <label>{t('option_unattended_timeout')}<input type="number" min={0} step="any" data-testid="option-unattended"
            placeholder={t('option_timeout_default', { minutes: minutesText(options.configured_unattended_timeout_ms) })} value={minutes}
            onInput={(e) => { setMinutes((e.target as HTMLInputElement).value); setSaved(false); }} /></label>
          <p class="muted">{t('option_timeout_hint')}</p>
          {OPTION_NAMES.map((name) => (
            <label class="row" key={name}><input type="checkbox" data-testid={`option-${name}`} checked={options[name]}
              onChange={(e) => { setOptions({ ...options, [name]: (e.target as HTMLInputElement).checked }); setSaved(false); }} />
              {t(`option_${name}` as 'option_client_preview')}</label>
          ))}
          {error && <p class="form-error" role="alert" data-testid="options-error">{error}</p>}
          {saved && <p class="saved" role="status" data-testid="options-saved">{t('lists_options_saved')}</p>}
          <div class="row"><button class="primary" type="submit" data-testid="options-save">{t('save')}</button></div>
        </form>
      )}
      {!options && error && <p class="form-error" role="alert">{error}</p>}
    </section>
  );
}

export function ListsPage({ user }: { user: User }) {
  return (
    <main class="console lists" data-testid="lists-page">
      <div class="stack">
        <h1>{t('section_lists')}</h1>
        <PredefinedSection user={user} />
        <OptionsSection user={user} />
      </div>
      <div class="stack">
        <ReasonsSection list="wrap-up-reasons" user={user} />
        <ReasonsSection list="away-reasons" user={user} />
      </div>
    </main>
  );
}
