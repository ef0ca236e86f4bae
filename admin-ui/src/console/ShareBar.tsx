// The outcome shares of a report (R91) as one stacked bar in plain SVG, with a legend and the
// numbers behind it in a table.
import { t } from '../shared/i18n';
import { shares, type Report } from './reports';

export function ShareBar({ outcomes }: { outcomes: Report['outcomes'] }) {
  const parts = shares(outcomes);
  const title = t('report_outcomes');
  let x = 0;
  return (
    <figure class="chart" data-testid="chart-outcomes">
      <figcaption>{title}</figcaption>
      <svg viewBox="0 0 100 10" role="img" aria-label={title} preserveAspectRatio="none" class="share-bar">
        <title>{title}</title>
        {outcomes.total === 0 ? <rect class="share-none" x={0} y={0} width={100} height={10} /> : parts.map((p) => {
          const width = (p.count / outcomes.total) * 100;
          const rect = <rect key={p.key} class={`share-${p.key}`} x={x} y={0} width={width} height={10}>
            <title>{`${t(`outcome_${p.key}` as 'outcome_answered')}: ${p.count} (${p.percent} %)`}</title>
          </rect>;
          x += width;
          return rect;
        })}
      </svg>
      <ul class="legend">
        {parts.map((p) => (
          <li key={p.key}><span class={`swatch share-${p.key}`} />{t(`outcome_${p.key}` as 'outcome_answered')} {p.count} ({p.percent} %)</li>
        ))}
      </ul>
      <details>
        <summary>{t('report_data_table')}</summary>
        <table class="list" data-testid="chart-outcomes-table">
          <thead><tr><th>{t('report_outcome')}</th><th>{t('report_count')}</th><th>%</th></tr></thead>
          <tbody>
            {parts.map((p) => <tr key={p.key} data-testid={`outcome-${p.key}`}><td>{t(`outcome_${p.key}` as 'outcome_answered')}</td><td>{p.count}</td><td>{p.percent}</td></tr>)}
            <tr><td>{t('report_total')}</td><td data-testid="outcome-total">{outcomes.total}</td><td>100</td></tr>
          </tbody>
        </table>
      </details>
    </figure>
  );
}
