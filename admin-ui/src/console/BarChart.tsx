// A bar chart drawn as plain SVG (issue 9: no chart library): one bar per label, a round axis
// top with a middle gridline, the value on hover (<title>), and the numbers behind it in a
// table for screen readers and for checking.
import { t } from '../shared/i18n';
import { niceMax } from './reports';

export interface BarChartProps {
  title: string;
  labels: string[];
  values: number[];
  labelHeader: string;
  valueHeader: string;
  testid: string;
  /** Show every n-th label under the bars (all numbers stay in the table). */
  labelEvery?: number;
}

const WIDTH = 640;
const HEIGHT = 200;
const LEFT = 34;
const BOTTOM = 22;

export function BarChart({ title, labels, values, labelHeader, valueHeader, testid, labelEvery = 1 }: BarChartProps) {
  const top = niceMax(Math.max(0, ...values));
  const plotW = WIDTH - LEFT - 4;
  const plotH = HEIGHT - BOTTOM - 8;
  const slot = plotW / Math.max(1, values.length);
  const barW = Math.max(1, slot * 0.75);
  const y = (v: number) => 8 + plotH - (v / top) * plotH;
  return (
    <figure class="chart" data-testid={testid}>
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={title}>
        <title>{title}</title>
        {[0, top / 2, top].map((v) => (
          <g key={v}>
            <line class="grid" x1={LEFT} x2={WIDTH - 4} y1={y(v)} y2={y(v)} />
            <text class="axis" x={LEFT - 4} y={y(v) + 4} text-anchor="end">{Number.isInteger(v) ? v : v.toFixed(1)}</text>
          </g>
        ))}
        {values.map((v, i) => {
          const x = LEFT + i * slot + (slot - barW) / 2;
          return (
            <g key={i}>
              <rect class="bar" x={x} y={y(v)} width={barW} height={Math.max(0, 8 + plotH - y(v))} data-value={v}>
                <title>{`${labels[i]}: ${v}`}</title>
              </rect>
              {i % labelEvery === 0 && <text class="axis" x={x + barW / 2} y={HEIGHT - 6} text-anchor="middle">{labels[i]}</text>}
            </g>
          );
        })}
      </svg>
      <details>
        <summary>{t('report_data_table')}</summary>
        <table class="list" data-testid={`${testid}-table`}>
          <thead><tr><th>{labelHeader}</th><th>{valueHeader}</th></tr></thead>
          <tbody>{labels.map((label, i) => <tr key={label}><td>{label}</td><td>{values[i]}</td></tr>)}</tbody>
        </table>
      </details>
    </figure>
  );
}
