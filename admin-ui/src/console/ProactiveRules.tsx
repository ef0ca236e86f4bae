// R61: the website's automatic actions: each rule opens or highlights the widget after some
// seconds on a page, or when the visitor hovers over an element (a CSS selector), optionally
// only on pages whose address contains a text. Saved with the appearance.
import { t } from '../shared/i18n';
import { proactiveProblem, type ProactiveRule } from './websites';

/** The browser's own CSS parser decides, as it will in the widget. */
function isSelector(selector: string): boolean {
  try {
    document.createDocumentFragment().querySelector(selector);
    return true;
  } catch {
    return false;
  }
}

export function ProactiveRules({ rules, onChange }: { rules: ProactiveRule[]; onChange: (rules: ProactiveRule[]) => void }) {
  const set = (i: number, rule: ProactiveRule) => onChange(rules.map((r, j) => (j === i ? rule : r)));
  return (
    <fieldset class="stack" data-testid="proactive-rules">
      <legend>{t('site_proactive')}</legend>
      <p class="muted">{t('site_proactive_hint')}</p>
      {rules.length > 0 && (
        <table class="list rules">
          <thead><tr><th>{t('site_rule_url')}</th><th>{t('site_rule_seconds_label')}</th><th>{t('site_rule_hover')}</th><th>{t('site_rule_action')}</th><th /></tr></thead>
          <tbody>
            {rules.map((rule, i) => {
              const problem = proactiveProblem(rule, isSelector);
              return (
                <tr key={i} data-testid={`rule-${i}`}>
                  <td><input aria-label={t('site_rule_url')} placeholder="/pricing" value={rule.url_contains ?? ''} data-testid={`rule-${i}-url`}
                    onInput={(e) => set(i, { ...rule, url_contains: (e.target as HTMLInputElement).value || undefined })} /></td>
                  <td><input type="number" min={0} max={3600} aria-label={t('site_rule_seconds_label')} value={rule.after_seconds ?? ''} data-testid={`rule-${i}-seconds`}
                    onInput={(e) => {
                      const v = (e.target as HTMLInputElement).value;
                      set(i, { ...rule, after_seconds: v === '' ? undefined : Number(v) });
                    }} /></td>
                  <td><input aria-label={t('site_rule_hover')} placeholder="#buy" value={rule.hover_selector ?? ''} data-testid={`rule-${i}-hover`}
                    onInput={(e) => set(i, { ...rule, hover_selector: (e.target as HTMLInputElement).value || undefined })} />
                    {problem && <span class="form-error" role="alert" data-testid={`rule-${i}-problem`}>{t(problem)}</span>}</td>
                  <td><select aria-label={t('site_rule_action')} value={rule.action ?? 'open'}
                    onChange={(e) => set(i, { ...rule, action: (e.target as HTMLSelectElement).value as ProactiveRule['action'] })}>
                    <option value="open">{t('site_rule_open')}</option>
                    <option value="highlight">{t('site_rule_highlight')}</option>
                  </select></td>
                  <td><button type="button" onClick={() => onChange(rules.filter((_, j) => j !== i))}>{t('remove')}</button></td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <button type="button" data-testid="add-rule" disabled={rules.length >= 20}
        onClick={() => onChange([...rules, { after_seconds: 30, action: 'open' }])}>{t('site_add_rule')}</button>
    </fieldset>
  );
}
