// Weekly hours (R29, R58): Always, or weekly ranges in an IANA time zone. Used for a website's
// working intervals and a queue's opening hours.
import { t } from '../shared/i18n';
import { DAYS, type Day, type Range } from './websites';

/** What the editor edits: Always, or the ranges in their zone. */
export interface Hours { always: boolean; time_zone: string; ranges: Range[] }

function zones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (kind: string) => string[] };
  return intl.supportedValuesOf ? intl.supportedValuesOf('timeZone') : ['UTC'];
}

/** R29, R58: Always, or weekly ranges in a time zone. */
export function WeeklyEditor<T extends Hours>({ draft, onChange, legend, hint }: { draft: T; onChange: (d: T) => void; legend?: string; hint?: string }) {
  const setRange = (i: number, range: Range) => onChange({ ...draft, ranges: draft.ranges.map((r, j) => (j === i ? range : r)) });
  const toggleDay = (i: number, day: Day) => {
    const range = draft.ranges[i];
    const days = range.days.includes(day) ? range.days.filter((d) => d !== day) : DAYS.filter((d) => d === day || range.days.includes(d));
    setRange(i, { ...range, days });
  };
  return (
    <fieldset class="stack" data-testid="working-hours">
      <legend>{legend ?? t('site_hours')}</legend>
      <label class="row"><input type="checkbox" data-testid="hours-always" checked={draft.always}
        onChange={(e) => {
          const always = (e.target as HTMLInputElement).checked;
          const ranges = !always && draft.ranges.length === 0 ? [{ days: DAYS.slice(0, 5), start: '09:00', end: '17:00' }] : draft.ranges;
          onChange({ ...draft, always, ranges });
        }} />{t('site_hours_always')}</label>
      <label>{t('site_time_zone')}<input data-testid="time-zone" list="time-zones" value={draft.time_zone}
        onInput={(e) => onChange({ ...draft, time_zone: (e.target as HTMLInputElement).value })} /></label>
      <datalist id="time-zones">{zones().map((z) => <option key={z} value={z} />)}</datalist>
      {!draft.always && (
        <>
          <table class="weekly">
            <thead><tr>{DAYS.map((d) => <th key={d}>{t(`day_${d}` as 'day_mon')}</th>)}<th>{t('site_from')}</th><th>{t('site_to')}</th><th /></tr></thead>
            <tbody>
              {draft.ranges.map((range, i) => (
                <tr key={i} data-testid="hours-range">
                  {DAYS.map((d) => (
                    <td key={d}><input type="checkbox" aria-label={t(`day_${d}` as 'day_mon')} data-testid={`range-${i}-${d}`}
                      checked={range.days.includes(d)} onChange={() => toggleDay(i, d)} /></td>
                  ))}
                  <td><input type="time" data-testid={`range-${i}-start`} value={range.start} aria-label={t('site_from')}
                    onInput={(e) => setRange(i, { ...range, start: (e.target as HTMLInputElement).value })} /></td>
                  <td><input type="time" data-testid={`range-${i}-end`} value={range.end === '24:00' ? '23:59' : range.end} aria-label={t('site_to')}
                    onInput={(e) => setRange(i, { ...range, end: (e.target as HTMLInputElement).value })} /></td>
                  <td><button type="button" onClick={() => onChange({ ...draft, ranges: draft.ranges.filter((_, j) => j !== i) })}>{t('remove')}</button></td>
                </tr>
              ))}
            </tbody>
          </table>
          <p class="muted">{hint ?? t('site_hours_hint')}</p>
          <button type="button" data-testid="add-range"
            onClick={() => onChange({ ...draft, ranges: [...draft.ranges, { days: [], start: '09:00', end: '17:00' }] })}>{t('site_add_range')}</button>
        </>
      )}
    </fieldset>
  );
}

