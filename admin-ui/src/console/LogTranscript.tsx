// A chat's whole log as the console shows it (R85): messages with their files, private ones
// marked, and the system events between them. Texts are rendered by Preact, so escaped.
import { t, dateTime } from '../shared/i18n';
import type { ChatEvent } from '../shared/protocol';
import { eventLine, Message } from '../agent/ChatView';

export function LogTranscript({ events }: { events: ChatEvent[] }) {
  if (events.length === 0) return <p class="muted">{t('log_no_events')}</p>;
  return (
    <ol class="transcript small" data-testid="log-transcript">
      {events.map((event) => {
        const line = eventLine(event, 0);
        return line !== null
          ? <li key={event.seq} class="system" data-testid={`event-${event.kind}`}>{line} <span class="time">{dateTime(event.at_ms)}</span></li>
          : <Message key={event.seq} event={event} me={0} />;
      })}
    </ol>
  );
}

/** Name and value rows: form values, visitor details. */
export function ValueTable({ rows, testid }: { rows: { label: string; value: string }[]; testid: string }) {
  if (rows.length === 0) return <p class="muted">{t('review_no_values')}</p>;
  return (
    <table class="list" data-testid={testid}>
      <tbody>
        {rows.map((r, i) => <tr key={i}><th>{r.label}</th><td class="pre">{r.value}</td></tr>)}
      </tbody>
    </table>
  );
}
