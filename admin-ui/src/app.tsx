// The admin app: sign-in, then the sections the user's role may use. Issue 8's agent desk is
// the first; the supervisor console (issue 9) becomes another section beside it, reusing the
// REST client, the live socket and the translations in shared/.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { t, setLanguage } from './shared/i18n';
import { login, logout, me, type User } from './shared/api';
import { loginErrorText } from './shared/loginError';
import { AgentController } from './agent/controller';
import { AgentDashboard } from './agent/Dashboard';
import { LanguageMenu } from './agent/TopBar';
import { WebsitesPage } from './console/WebsitesPage';
import { QueuesPage } from './console/QueuesPage';
import { AgentsPage } from './console/AgentsPage';
import { AuditPage } from './console/AuditPage';
import { PrivacyPage } from './console/PrivacyPage';
import { MonitorPage } from './console/MonitorPage';
import { ReportsPage } from './console/ReportsPage';
import { ReviewPage } from './console/ReviewPage';
import { LogsPage } from './console/LogsPage';
import { ListsPage } from './console/ListsPage';

function Login({ onSignedIn, onLanguage }: { onSignedIn: (user: User) => void; onLanguage: (code: string) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      onSignedIn((await login(username, password)).user);
    } catch (err) {
      setError(loginErrorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login">
      <form class="card stack" onSubmit={submit} data-testid="login">
        <h1>Parley</h1>
        <p class="muted">{t('login_intro')}</p>
        <label>{t('login_username')}<input data-testid="username" autoComplete="username" required value={username}
          onInput={(e) => setUsername((e.target as HTMLInputElement).value)} /></label>
        <label>{t('login_password')}<input data-testid="password" type="password" autoComplete="current-password" required value={password}
          onInput={(e) => setPassword((e.target as HTMLInputElement).value)} /></label>
        {error && <p class="form-error" role="alert" data-testid="login-error">{error}</p>}
        <button class="primary" type="submit" data-testid="login-submit" disabled={busy}>{t('login_submit')}</button>
        <LanguageMenu onChange={onLanguage} />
      </form>
    </main>
  );
}

/** The sections of the app and the roles that use them (R71). Any user may take chats on the
 *  agent socket (docs/protocol.md 2.1). Websites, queues and agents are an admin's to manage,
 *  and the audit log is an admin's to read, so those pages are for admins only: a supervisor
 *  could read the configuration over REST but would meet only refusals on these pages. */
const SECTIONS = [
  { id: 'agent', roles: ['agent', 'supervisor', 'admin'] },
  { id: 'monitor', roles: ['supervisor', 'admin'] },
  { id: 'review', roles: ['supervisor', 'admin'] },
  { id: 'logs', roles: ['supervisor', 'admin'] },
  { id: 'reports', roles: ['supervisor', 'admin'] },
  { id: 'lists', roles: ['supervisor', 'admin'] },
  { id: 'websites', roles: ['admin'] },
  { id: 'queues', roles: ['admin'] },
  { id: 'agents', roles: ['admin'] },
  { id: 'audit', roles: ['admin'] },
  { id: 'privacy', roles: ['admin'] },
] as const;

type SectionId = (typeof SECTIONS)[number]['id'];

function sectionsFor(user: User): SectionId[] {
  return SECTIONS.filter((s) => (s.roles as readonly string[]).includes(user.role)).map((s) => s.id);
}

function Signed({ user, onSignedOut, onLanguage }: { user: User; onSignedOut: () => void; onLanguage: (code: string) => void }) {
  const controller = useMemo(() => new AgentController(user, onSignedOut), [user]);
  useEffect(() => {
    controller.start();
    return () => controller.stop();
  }, [controller]);
  const sections = sectionsFor(user);
  // The section is kept in the address (#websites), so a reload stays on the page.
  const fromHash = () => {
    const wanted = location.hash.slice(1);
    return sections.find((s) => s === wanted) ?? 'agent';
  };
  const [section, setSection] = useState<SectionId>(fromHash);
  useEffect(() => {
    const onHash = () => setSection(fromHash());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [user]);
  const signOut = async () => {
    controller.stop();
    await logout().catch(() => undefined);
    onSignedOut();
  };
  const toolbar = (
    <>
      <LanguageMenu onChange={onLanguage} />
      <span class="user" data-testid="user">{user.display_name}</span>
      <button data-testid="logout" onClick={signOut}>{t('logout')}</button>
    </>
  );
  return (
    <div class="shell">
      <header class="app-bar">
        <strong class="brand">Parley</strong>
        <nav aria-label={t('sections')}>
          {sections.map((s) => (
            <a key={s} href={`#${s}`} data-testid={`section-${s}`} class={s === section ? 'section active' : 'section'}
              aria-current={s === section ? 'page' : undefined}>{t(`section_${s}` as 'section_agent')}</a>
          ))}
        </nav>
        {section !== 'agent' && <div class="app-tools">{toolbar}</div>}
      </header>
      {/* The desk stays mounted (its socket and offers live on) while another page is shown. */}
      <div class={section === 'agent' ? 'section-page' : 'section-page hidden'}><AgentDashboard controller={controller} toolbar={section === 'agent' ? toolbar : null} /></div>
      {section === 'websites' && <WebsitesPage />}
      {section === 'queues' && <QueuesPage />}
      {section === 'agents' && <AgentsPage />}
      {section === 'audit' && <AuditPage />}
      {section === 'privacy' && <PrivacyPage />}
      {section === 'monitor' && <MonitorPage />}
      {section === 'reports' && <ReportsPage />}
      {section === 'review' && <ReviewPage />}
      {section === 'logs' && <LogsPage />}
      {section === 'lists' && <ListsPage user={user} />}
    </div>
  );
}

export function App() {
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const [, setLang] = useState('');
  const onLanguage = (code: string) => { setLanguage(code); setLang(code); };
  useEffect(() => {
    me().then(setUser, () => setUser(null));
  }, []);
  if (user === undefined) return <p class="loading">…</p>;
  if (user === null) return <Login onSignedIn={setUser} onLanguage={onLanguage} />;
  return <Signed key={user.id} user={user} onSignedOut={() => setUser(null)} onLanguage={onLanguage} />;
}
