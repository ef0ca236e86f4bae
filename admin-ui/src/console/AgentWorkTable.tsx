// Per-agent work of a report: chats handled (with a bar to compare agents at a glance) and
// total and average handle time.
import { t } from '../shared/i18n';
import { duration, type Report } from './reports';

export function AgentWorkTable({ agents }: { agents: Report['agents'] }) {
  const most = Math.max(1, ...agents.map((a) => a.handled));
  return (
    <figure class="chart" data-testid="chart-agents">
      <figcaption>{t('report_agents')}</figcaption>
      {agents.length === 0 ? <p class="muted">{t('report_no_agents')}</p> : (
        <table class="list" data-testid="chart-agents-table">
          <thead><tr><th>{t('report_agent')}</th><th>{t('report_handled')}</th><th aria-hidden="true" /><th>{t('report_handle_total')}</th><th>{t('report_handle_average')}</th></tr></thead>
          <tbody>
            {agents.map((a) => (
              <tr key={a.agent_id} data-testid={`agent-work-${a.agent_id}`}>
                <td>{a.name}</td>
                <td data-testid="handled">{a.handled}</td>
                <td class="bar-cell" aria-hidden="true">
                  <svg viewBox="0 0 100 10" preserveAspectRatio="none"><rect class="bar" x={0} y={0} width={(a.handled / most) * 100} height={10} /></svg>
                </td>
                <td>{duration(a.total_handle_ms)}</td>
                <td>{duration(a.average_handle_ms)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </figure>
  );
}
