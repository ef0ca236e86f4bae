// The Reports page of the supervisor console (issue 9; R87, R91): for a chosen period and
// website or queue, chats per hour and per day, wait-time percentiles, outcome shares and
// per-agent work, drawn as hand-made SVG charts, with the numbers exportable as CSV
// (docs/protocol.md 4.40).
import { useEffect, useState } from 'preact/hooks';
import { t } from '../shared/i18n';
import { ApiError } from '../shared/api';
import { listQueues, listWebsites, type Queue, type Website } from './websites';
import { csvUrl, duration, loadReport, PRESETS, presetRange, type Filter, type Preset, type Report } from './reports';
import { BarChart } from './BarChart';
import { ShareBar } from './ShareBar';
import { AgentWorkTable } from './AgentWorkTable';

function errorText(err: unknown): string {
  const code = err instanceof ApiError ? err.code : 'network_error';
  return err instanceof ApiError && code === 'invalid_input' ? err.message : t('error_code', { code });
}

const localZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

export function ReportsPage() {
  const [preset, setPreset] = useState<Preset>('7d');
  const [filter, setFilter] = useState<Filter>(() => ({ ...presetRange('7d', new Date()), website: '', queue: '', tz: localZone() }));
  const [websites, setWebsites] = useState<Website[]>([]);
  const [queues, setQueues] = useState<Queue[]>([]);
  const [report, setReport] = useState<Report | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (wanted: Filter) => {
    setBusy(true);
    setError(null);
    try {
      setReport(await loadReport(wanted));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    listWebsites().then((w) => setWebsites(w.websites), () => undefined);
    listQueues().then((q) => setQueues(q.queues), () => undefined);
    run(filter);
  }, []);
  const choose = (next: Preset) => {
    setPreset(next);
    if (next !== 'custom') {
      const wanted = { ...filter, ...presetRange(next, new Date()) };
      setFilter(wanted);
      run(wanted);
    }
  };
  const set = (field: keyof Filter) => (e: Event) => setFilter({ ...filter, [field]: (e.target as HTMLInputElement).value });
  const submit = (e: Event) => {
    e.preventDefault();
    run(filter);
  };
  return (
    <main class="console reports" data-testid="reports-page">
      <section class="editor stack wide">
        <h1>{t('section_reports')}</h1>
        <form class="report-filter" onSubmit={submit} data-testid="report-filter">
          <div class="row" role="group" aria-label={t('report_period')}>
            {PRESETS.map((p) => (
              <button key={p} type="button" data-testid={`preset-${p}`} class={p === preset ? 'primary' : ''} aria-pressed={p === preset}
                onClick={() => choose(p)}>{t(`report_preset_${p}` as 'report_preset_today')}</button>
            ))}
          </div>
          {preset === 'custom' && (
            <div class="row">
              <label>{t('report_from')}<input type="date" data-testid="report-from" value={filter.from} onInput={set('from')} required /></label>
              <label>{t('report_to')}<input type="date" data-testid="report-to" value={filter.to} onInput={set('to')} required /></label>
            </div>
          )}
          <div class="row">
            <label>{t('report_website')}<select data-testid="report-website" value={filter.website} onChange={set('website')}>
              <option value="">{t('report_all')}</option>
              {websites.map((w) => <option key={w.key} value={w.key}>{w.name} ({w.key})</option>)}
            </select></label>
            <label>{t('report_queue')}<select data-testid="report-queue" value={filter.queue} onChange={set('queue')}>
              <option value="">{t('report_all')}</option>
              {queues.map((q) => <option key={q.queue_id} value={String(q.queue_id)}>{q.name}</option>)}
            </select></label>
            <label>{t('report_time_zone')}<input data-testid="report-tz" value={filter.tz} onInput={set('tz')} /></label>
            <button class="primary" type="submit" data-testid="report-run" disabled={busy}>{t('report_show')}</button>
            <a class="button" href={csvUrl(filter)} download data-testid="report-csv">{t('report_export_csv')}</a>
          </div>
        </form>
        {error && <p class="form-error" role="alert" data-testid="report-error">{error}</p>}
        {report && (
          <div class="stack" data-testid="report" aria-busy={busy}>
            <p class="muted" data-testid="report-period">{t('report_covers', { from: report.from, to: report.to, zone: report.time_zone })}</p>
            <div class="figures" data-testid="wait-figures">
              {([['p50', report.wait.p50_ms], ['p90', report.wait.p90_ms], ['p99', report.wait.p99_ms], ['average', report.wait.average_ms]] as const).map(([name, value]) => (
                <div class="figure" key={name} data-testid={`wait-${name}`} data-ms={value ?? ''}>
                  <span class="figure-value">{duration(value)}</span>
                  <span class="muted">{t(`report_wait_${name}` as 'report_wait_p50')}</span>
                </div>
              ))}
              <div class="figure"><span class="figure-value" data-testid="wait-answered">{report.wait.answered}</span><span class="muted">{t('report_answered_chats')}</span></div>
            </div>
            <BarChart title={t('report_per_hour')} testid="chart-hours" labelEvery={3}
              labels={report.per_hour.map((h) => `${String(h.hour).padStart(2, '0')}:00`)} values={report.per_hour.map((h) => h.chats)}
              labelHeader={t('report_hour')} valueHeader={t('report_chats')} />
            <BarChart title={t('report_per_day')} testid="chart-days" labelEvery={Math.max(1, Math.ceil(report.per_day.length / 10))}
              labels={report.per_day.map((d) => d.date)} values={report.per_day.map((d) => d.chats)}
              labelHeader={t('report_day')} valueHeader={t('report_chats')} />
            <ShareBar outcomes={report.outcomes} />
            <AgentWorkTable agents={report.agents} />
          </div>
        )}
      </section>
    </main>
  );
}
