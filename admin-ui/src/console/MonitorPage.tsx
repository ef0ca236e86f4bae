// The live monitor of the supervisor console (issue 9, R71): queues with their waiting count
// and longest wait, agents with presence and load, and the chats that wait or go on — kept
// live from the monitor socket (docs/protocol.md 5.8), with the waits ticking here each
// second, so the page never needs a reload.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { t } from '../shared/i18n';
import { LiveSocket, type Connection } from '../shared/socket';
import { applyFrame, elapsed, EMPTY, totals, type MonitorFrame, type MonitorState } from './monitor';

export function MonitorPage() {
  const [state, setState] = useState<MonitorState>(EMPTY);
  const [connection, setConnection] = useState<Connection>('connecting');
  // The engine's clock minus ours, so waits count from the engine's times.
  const [skew, setSkew] = useState(0);
  const [now, setNow] = useState(Date.now());
  const socket = useMemo(() => new LiveSocket('/api/v1/monitor/ws', {
    resume: () => '',
    frame: (frame) => {
      if (frame.type !== 'monitor_snapshot' && frame.type !== 'monitor_changes') return;
      setSkew(frame.at_ms - Date.now());
      setState((s) => applyFrame(s, frame as MonitorFrame));
    },
    connection: setConnection,
  }), []);
  useEffect(() => {
    socket.start();
    const tick = window.setInterval(() => setNow(Date.now()), 1000);
    return () => { socket.stop(); window.clearInterval(tick); };
  }, [socket]);
  const at = now + skew;
  const sum = totals(state);
  return (
    <main class="console monitor" data-testid="monitor-page">
      <section class="editor stack wide">
        <div class="row">
          <h1>{t('section_monitor')}</h1>
          <span class={`connection connection-${connection}`} data-testid="monitor-connection">{t(`connection_${connection}` as 'connection_online')}</span>
        </div>
        <div class="figures">
          <div class="figure"><span class="figure-value" data-testid="total-waiting">{sum.waiting}</span><span class="muted">{t('monitor_waiting')}</span></div>
          <div class="figure"><span class="figure-value" data-testid="total-active">{sum.active}</span><span class="muted">{t('monitor_active')}</span></div>
          <div class="figure"><span class="figure-value" data-testid="total-available">{sum.available}</span><span class="muted">{t('monitor_available')}</span></div>
        </div>
      </section>
      <section class="editor stack" aria-labelledby="monitor-queues">
        <h2 id="monitor-queues">{t('monitor_queues')}</h2>
        <table class="list" data-testid="monitor-queues">
          <thead><tr><th>{t('monitor_queue')}</th><th>{t('monitor_open')}</th><th>{t('monitor_waiting')}</th><th>{t('monitor_longest_wait')}</th></tr></thead>
          <tbody>
            {state.queues.map((q) => (
              <tr key={q.queue_id} data-testid={`mq-${q.queue_id}`} class={q.waiting > 0 ? 'has-waiting' : ''}>
                <td>{q.name}</td>
                <td>{q.open ? <span class="badge ok">{t('monitor_is_open')}</span> : <span class="badge warn">{t('monitor_is_closed')}</span>}</td>
                <td data-testid="waiting">{q.waiting}</td>
                <td data-testid="longest" class="timer">{q.longest_wait_since_ms === null ? '–' : elapsed(q.longest_wait_since_ms, at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section class="editor stack" aria-labelledby="monitor-agents">
        <h2 id="monitor-agents">{t('monitor_agents')}</h2>
        <table class="list" data-testid="monitor-agents">
          <thead><tr><th>{t('monitor_agent')}</th><th>{t('presence_label')}</th><th>{t('monitor_load')}</th></tr></thead>
          <tbody>
            {state.agents.map((a) => (
              <tr key={a.agent_id} data-testid={`ma-${a.agent_id}`}>
                <td>{a.name}</td>
                <td class={`presence presence-${a.presence}`} data-testid="presence" data-presence={a.presence}>
                  <span class="dot" aria-hidden="true" />
                  {a.presence === 'away' && a.away_reason ? t('presence_away_reason', { reason: a.away_reason }) : t(`presence_${a.presence}` as 'presence_available')}
                </td>
                <td data-testid="load">
                  <meter min={0} max={a.capacity} value={a.chats} aria-label={t('load', { open: a.chats, capacity: a.capacity })} />
                  {' '}{a.chats} / {a.capacity}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section class="editor stack wide" aria-labelledby="monitor-chats">
        <h2 id="monitor-chats">{t('monitor_chats')}</h2>
        {state.chats.length === 0 ? <p class="muted" data-testid="monitor-no-chats">{t('monitor_no_chats')}</p> : (
          <table class="list" data-testid="monitor-chats">
            <thead><tr><th>{t('monitor_visitor')}</th><th>{t('monitor_website')}</th><th>{t('monitor_queue')}</th><th>{t('monitor_state')}</th><th>{t('monitor_agents_of_chat')}</th><th>{t('monitor_duration')}</th></tr></thead>
            <tbody>
              {state.chats.map((c) => (
                <tr key={c.chat_id} data-testid={`mc-${c.chat_id}`} data-state={c.state}>
                  <td>{c.visitor_name}</td>
                  <td>{c.website_key}</td>
                  <td>{c.queue_name}</td>
                  <td data-testid="state">{c.state === 'queued' ? <span class="badge warn">{t('monitor_state_queued')}</span> : <span class="badge ok">{t('monitor_state_active')}</span>}</td>
                  <td data-testid="agents">{c.agents.map((a) => a.name).join(', ')}</td>
                  <td class="timer">{elapsed(c.waiting_since_ms ?? c.started_at_ms, at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </main>
  );
}
