// The live preview (R14, R60, R62): the real widget, run by the engine's preview page in an
// iframe of the console's own origin. The page asks for the config when it is ready; the
// console answers with the unsaved one. A change reloads the page (after a short pause in
// typing), so the widget draws it afresh. The widget in preview mode never starts a chat.
import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../shared/i18n';
import type { PreviewConfig } from './forms';

export function WidgetPreview({ config }: { config: PreviewConfig }) {
  const frame = useRef<HTMLIFrameElement>(null);
  const latest = useRef(config);
  latest.current = config;
  const [generation, setGeneration] = useState(0);
  /** The config the shown widget drew; the preview is current when it is the one edited. */
  const [shown, setShown] = useState<string | null>(null);
  const serialised = JSON.stringify(config);
  // The first config is the one the first page asks for: only changes load the page again.
  const drawn = useRef(serialised);
  useEffect(() => {
    if (drawn.current === serialised) return undefined;
    const pause = setTimeout(() => {
      drawn.current = serialised;
      setGeneration((g) => g + 1);
    }, 300);
    return () => clearTimeout(pause);
  }, [serialised]);
  useEffect(() => {
    const onMessage = (e: MessageEvent) => {
      // Only our own preview page, in our own frame, is answered.
      if (e.origin !== location.origin || e.source !== frame.current?.contentWindow) return;
      if ((e.data as { type?: string } | null)?.type !== 'parley-preview-ready') return;
      frame.current?.contentWindow?.postMessage({ type: 'parley-preview', config: latest.current }, location.origin);
      setShown(JSON.stringify(latest.current));
    };
    window.addEventListener('message', onMessage);
    return () => window.removeEventListener('message', onMessage);
  }, []);
  return (
    <iframe ref={frame} key={generation} class="widget-frame" title={t('site_preview')} data-testid="widget-preview"
      data-current={shown === serialised ? 'true' : 'false'}
      src={`/admin/widget-preview?website=${encodeURIComponent(config.key || 'new')}&v=${generation}`} />
  );
}
