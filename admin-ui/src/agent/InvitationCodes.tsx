import { useEffect, useState } from 'preact/hooks';
import { t, dateTime } from '../shared/i18n';
import { ApiError } from '../shared/api';
import type { AgentController, InvitationCode } from './controller';

/** R37: a code, and a link, that bring a visitor straight to this agent. */
export function InvitationCodes({ controller, websiteKey, onClose }: { controller: AgentController; websiteKey: string; onClose: () => void }) {
  const [codes, setCodes] = useState<InvitationCode[]>([]);
  const [created, setCreated] = useState<InvitationCode | null>(null);
  const [website, setWebsite] = useState(websiteKey);
  const [hours, setHours] = useState(24);
  const [reusable, setReusable] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const load = () => controller.rest.codes().then(setCodes, () => undefined);
  useEffect(() => { void load(); }, []);
  const create = async (e: Event) => {
    e.preventDefault();
    try {
      const body: Record<string, unknown> = { validity_minutes: Math.round(hours * 60), reusable };
      if (website.trim()) body.website_key = website.trim();
      setCreated(await controller.rest.createCode(body));
      setError(null);
      await load();
    } catch (err) { setError(err instanceof ApiError ? `${err.code}: ${err.message}` : String(err)); }
  };
  return (
    <div class="modal-backdrop">
      <section class="modal stack" role="dialog" aria-modal="true" aria-labelledby="codes-title" data-testid="codes">
        <header class="row spread"><h2 id="codes-title">{t('codes_title')}</h2>
          <button class="link" aria-label={t('close')} onClick={onClose}>×</button></header>
        <form class="stack" onSubmit={create}>
          <label>{t('codes_website')}<input value={website} maxLength={5} onInput={(e) => setWebsite((e.target as HTMLInputElement).value)} /></label>
          <label>{t('codes_hours')}<input type="number" min={1} max={168} value={hours}
            onInput={(e) => setHours(Number((e.target as HTMLInputElement).value))} /></label>
          <label class="row"><input type="checkbox" checked={reusable} onChange={(e) => setReusable((e.target as HTMLInputElement).checked)} />{t('codes_reusable')}</label>
          <button class="primary" type="submit" data-testid="code-create">{t('codes_create')}</button>
        </form>
        {error && <p class="form-error" role="alert">{error}</p>}
        {created && (
          <div class="created-code" data-testid="created-code">
            <p class="code">{created.code}</p>
            {created.url && <p><input readOnly value={created.url} aria-label={t('codes_link')} onFocus={(e) => (e.target as HTMLInputElement).select()} />
              <button onClick={() => void navigator.clipboard?.writeText(created.url ?? '')}>{t('copy')}</button></p>}
          </div>
        )}
        <h3>{t('codes_active')}</h3>
        <ul>{codes.map((c) => (
          <li key={c.code}><strong>{c.code}</strong> · {t('codes_until', { time: dateTime(c.expires_at_ms) })} · {t('codes_uses', { n: c.uses })}
            <button class="link" onClick={() => controller.rest.revokeCode(c.code).then(load)}>{t('codes_revoke')}</button></li>
        ))}</ul>
      </section>
    </div>
  );
}
