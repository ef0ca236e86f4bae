// What a website does when live chat is offline or nobody takes a chat: the offline form's
// mail options (R64: forward to an address, open a new interaction with a subject field) and
// the no-agent behaviour, unmanaged message, leave-a-message and auto-close (R31, R76, R78).
import type { Website } from './websites';
import { OfflineMailOptions } from './OfflineMailOptions';
import { UnmanagedSettings } from './UnmanagedSettings';

export function OfflinePanel({ website }: { website: Website }) {
  return (
    <section class="stack" data-testid="offline-panel">
      <OfflineMailOptions website={website} />
      <UnmanagedSettings website={website} />
    </section>
  );
}
