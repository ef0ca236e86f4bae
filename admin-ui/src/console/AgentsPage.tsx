// The Agents page of the console, an admin's (R25, R70, R71, R73): every account with its role,
// state, capacity, presence and queues; a new account; a chosen account's name, role,
// capacity and active switch, its password, and its queue memberships with their hunt order.
// Every change is live at once in the engine (docs/protocol.md 4.48-4.51).
import { useEffect, useState } from 'preact/hooks';
import { t } from '../shared/i18n';
import { ApiError } from '../shared/api';
import { listQueues, type Queue } from './websites';
import {
  type Account, accountProblems, CAPACITY_MAX, CAPACITY_MIN, capacityProblem, changeAccount, createAccount, emptyAccount, huntOrder,
  isKnownError, joinable, leaveQueue, listAccounts, type NewAccount, passwordProblem, ROLES, type Role, setMembership, setPassword, takesChats,
} from './agents';

function errorText(err: unknown): string {
  const code = err instanceof ApiError ? err.code : typeof err === 'string' ? err : 'network_error';
  return isKnownError(code) ? t(`user_error_${code}` as 'user_error_last_admin') : t('error_code', { code });
}

const roleText = (role: string) => t(`role_${role}` as 'role_agent');

function NewAccountForm({ onCreated, onCancel }: { onCreated: (account: Account) => void; onCancel: () => void }) {
  const [form, setForm] = useState<NewAccount>(emptyAccount());
  const [error, setError] = useState<string | null>(null);
  const set = (change: Partial<NewAccount>) => setForm({ ...form, ...change });
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    const problems = accountProblems(form);
    if (problems.length > 0) {
      setError(problems.map((p) => errorText(p.code)).join(' '));
      return;
    }
    try {
      onCreated(await createAccount(form));
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <section class="editor stack" data-testid="user-new">
      <h2>{t('user_new')}</h2>
      <form class="stack" onSubmit={submit}>
        <div class="grid2">
          <label>{t('login_username')}<input data-testid="new-username" required autoComplete="off" value={form.username}
            onInput={(e) => set({ username: (e.target as HTMLInputElement).value })} /></label>
          <label>{t('user_display_name')}<input data-testid="new-display-name" value={form.display_name}
            onInput={(e) => set({ display_name: (e.target as HTMLInputElement).value })} /></label>
          <label>{t('user_role')}<select data-testid="new-role" value={form.role}
            onChange={(e) => set({ role: (e.target as HTMLSelectElement).value as Role })}>
            {ROLES.map((r) => <option key={r} value={r}>{roleText(r)}</option>)}
          </select></label>
          <label>{t('user_capacity')}<input type="number" min={CAPACITY_MIN} max={CAPACITY_MAX} data-testid="new-capacity" value={form.capacity}
            onInput={(e) => set({ capacity: (e.target as HTMLInputElement).value })} /></label>
          <label>{t('login_password')}<input type="password" autoComplete="new-password" data-testid="new-password" required value={form.password}
            onInput={(e) => set({ password: (e.target as HTMLInputElement).value })} /></label>
          <label class="row"><input type="checkbox" data-testid="new-active" checked={form.active}
            onChange={(e) => set({ active: (e.target as HTMLInputElement).checked })} />{t('user_active')}</label>
        </div>
        <p class="muted">{t('user_password_hint')}</p>
        {error && <p class="form-error" role="alert" data-testid="user-error">{error}</p>}
        <div class="row">
          <button class="primary" type="submit" data-testid="user-create">{t('user_create')}</button>
          <button type="button" onClick={onCancel}>{t('cancel')}</button>
        </div>
      </form>
    </section>
  );
}

function Memberships({ account, queues, onChanged }: { account: Account; queues: Queue[]; onChanged: () => void }) {
  const [orders, setOrders] = useState<Record<number, string>>({});
  const [joining, setJoining] = useState('');
  const [joinOrder, setJoinOrder] = useState('1');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setOrders(Object.fromEntries(account.queues.map((m) => [m.queue_id, String(m.hunt_order)]))), [account]);
  const run = async (work: () => Promise<unknown>) => {
    setError(null);
    try {
      await work();
    } catch (err) {
      setError(errorText(err));
    }
    onChanged();
  };
  const saveOrder = (queueId: number) => {
    const order = huntOrder(orders[queueId] ?? '');
    if (order === null) return setError(errorText('invalid_hunt_order'));
    run(() => setMembership(queueId, account.id, order));
  };
  const join = (e: Event) => {
    e.preventDefault();
    const order = huntOrder(joinOrder);
    if (joining === '') return;
    if (order === null) return setError(errorText('invalid_hunt_order'));
    run(() => setMembership(Number(joining), account.id, order)).then(() => setJoining(''));
  };
  if (!takesChats(account.role)) return <p class="muted" data-testid="user-no-queues">{t('user_admin_no_queues')}</p>;
  const open = joinable(queues, account);
  return (
    <div class="stack" data-testid="user-queues">
      {account.queues.length === 0 ? <p class="muted">{t('user_in_no_queue')}</p> : (
        <table class="list">
          <thead><tr><th>{t('section_queues')}</th><th>{t('queue_hunt_order')}</th><th /></tr></thead>
          <tbody>
            {account.queues.map((m) => (
              <tr key={m.queue_id} data-testid={`membership-${m.queue_id}`}>
                <td>{m.name}</td>
                <td><input type="number" min={1} max={1000} class="narrow" aria-label={t('queue_hunt_order')} value={orders[m.queue_id] ?? ''}
                  onInput={(e) => setOrders({ ...orders, [m.queue_id]: (e.target as HTMLInputElement).value })} /></td>
                <td class="row">
                  <button type="button" onClick={() => saveOrder(m.queue_id)}>{t('save')}</button>
                  <button type="button" data-testid={`leave-${m.queue_id}`} onClick={() => run(() => leaveQueue(m.queue_id, account.id))}>{t('remove')}</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {open.length > 0 && (
        <form class="row" onSubmit={join}>
          <select data-testid="join-queue" aria-label={t('queue_add_member')} value={joining}
            onChange={(e) => setJoining((e.target as HTMLSelectElement).value)}>
            <option value="">{t('user_pick_queue')}</option>
            {open.map((q) => <option key={q.queue_id} value={String(q.queue_id)}>{q.name}</option>)}
          </select>
          <label class="row">{t('queue_hunt_order')}<input type="number" min={1} max={1000} class="narrow" data-testid="join-order" value={joinOrder}
            onInput={(e) => setJoinOrder((e.target as HTMLInputElement).value)} /></label>
          <button type="submit" data-testid="join" disabled={joining === ''}>{t('queue_add_member')}</button>
        </form>
      )}
      {error && <p class="form-error" role="alert">{error}</p>}
    </div>
  );
}

function AccountEditor({ account, queues, onChanged }: { account: Account; queues: Queue[]; onChanged: (account?: Account) => void }) {
  const [name, setName] = useState(account.display_name);
  const [role, setRole] = useState<Role>(account.role);
  const [capacity, setCapacity] = useState(String(account.capacity));
  const [active, setActive] = useState(account.active);
  const [password, setPasswordText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  useEffect(() => {
    setName(account.display_name);
    setRole(account.role);
    setCapacity(String(account.capacity));
    setActive(account.active);
  }, [account]);
  const save = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setSaved(null);
    if (capacityProblem(capacity)) return setError(errorText('capacity_out_of_range'));
    // Only what changed is sent, so the audit log says what the admin changed.
    const change: Parameters<typeof changeAccount>[1] = {};
    if (name.trim() !== account.display_name) change.display_name = name;
    if (role !== account.role) change.role = role;
    if (Number(capacity) !== account.capacity) change.capacity = Number(capacity);
    if (active !== account.active) change.active = active;
    try {
      const stored = await changeAccount(account.id, change);
      setSaved(t('user_saved'));
      onChanged(stored);
    } catch (err) {
      setError(errorText(err));
    }
  };
  const newPassword = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setSaved(null);
    if (passwordProblem(password, account.username)) return setError(errorText('weak_password'));
    try {
      await setPassword(account.id, password);
      setPasswordText('');
      setSaved(t('user_password_set'));
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <section class="editor stack" data-testid="user-editor">
      <h2>{account.display_name} <span class="muted">({account.username})</span></h2>
      <form class="stack" onSubmit={save}>
        <div class="grid2">
          <label>{t('user_display_name')}<input data-testid="edit-display-name" value={name}
            onInput={(e) => setName((e.target as HTMLInputElement).value)} /></label>
          <label>{t('user_role')}<select data-testid="edit-role" value={role}
            onChange={(e) => setRole((e.target as HTMLSelectElement).value as Role)}>
            {ROLES.map((r) => <option key={r} value={r}>{roleText(r)}</option>)}
          </select></label>
          <label>{t('user_capacity')}<input type="number" min={CAPACITY_MIN} max={CAPACITY_MAX} data-testid="edit-capacity" value={capacity}
            onInput={(e) => setCapacity((e.target as HTMLInputElement).value)} /></label>
          <label class="row"><input type="checkbox" data-testid="edit-active" checked={active}
            onChange={(e) => setActive((e.target as HTMLInputElement).checked)} />{t('user_active')}</label>
        </div>
        <p class="muted">{t('user_live_hint')}</p>
        <div class="row"><button class="primary" type="submit" data-testid="user-save">{t('save')}</button></div>
      </form>
      {error && <p class="form-error" role="alert" data-testid="user-error">{error}</p>}
      {saved && <p class="saved" role="status" data-testid="user-saved">{saved}</p>}
      <h3>{t('user_password_new')}</h3>
      <form class="row" onSubmit={newPassword}>
        <input type="password" autoComplete="new-password" data-testid="edit-password" aria-label={t('user_password_new')} value={password}
          onInput={(e) => setPasswordText((e.target as HTMLInputElement).value)} />
        <button type="submit" data-testid="password-save" disabled={password === ''}>{t('user_password_set_button')}</button>
      </form>
      <h3>{t('user_queues')}</h3>
      <Memberships account={account} queues={queues} onChanged={() => onChanged()} />
    </section>
  );
}

export function AgentsPage() {
  const [accounts, setAccounts] = useState<Account[] | null>(null);
  const [queues, setQueues] = useState<Queue[]>([]);
  const [selected, setSelected] = useState<number | 'new' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = () => listAccounts().then((a) => setAccounts(a.users), (err) => setError(errorText(err)));
  useEffect(() => {
    reload();
    listQueues().then((q) => setQueues(q.queues), (err) => setError(errorText(err)));
  }, []);
  const chosen = accounts?.find((a) => a.id === selected) ?? null;
  return (
    <main class="console" data-testid="agents-page">
      <section class="console-list stack">
        <div class="row"><h1>{t('section_agents')}</h1>
          <button data-testid="user-new-open" onClick={() => setSelected('new')}>{t('user_new')}</button></div>
        {error && <p class="form-error" role="alert">{error}</p>}
        {accounts === null ? <p class="muted">…</p> : (
          <table class="list" data-testid="users">
            <thead><tr><th>{t('queue_member')}</th><th>{t('user_role')}</th><th>{t('user_capacity_short')}</th><th>{t('presence_label')}</th><th>{t('section_queues')}</th></tr></thead>
            <tbody>
              {accounts.map((a) => (
                <tr key={a.id} class={selected === a.id ? 'selected' : ''} data-testid={`user-${a.username}`}>
                  <td><button class="link" onClick={() => setSelected(a.id)}>{a.display_name}</button> <span class="muted">({a.username})</span>
                    {!a.active && <span class="badge warn" data-testid={`inactive-${a.username}`}>{t('user_inactive')}</span>}</td>
                  <td>{roleText(a.role)}</td>
                  <td>{a.capacity}</td>
                  <td>{t(`presence_${a.presence}` as 'presence_available')}</td>
                  <td>{a.queues.map((m) => `${m.name} (${m.hunt_order})`).join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {selected === 'new' && (
        <NewAccountForm onCancel={() => setSelected(null)} onCreated={(a) => { setSelected(a.id); reload(); }} />
      )}
      {chosen && <AccountEditor key={chosen.id} account={chosen} queues={queues} onChanged={() => reload()} />}
    </main>
  );
}
