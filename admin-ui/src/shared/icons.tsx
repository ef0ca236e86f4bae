// Small inline SVG icons: they render the same on every machine (emoji fonts do not), and
// take the text colour.
type IconProps = { label?: string };

function Icon({ label, children }: IconProps & { children: preact.ComponentChildren }) {
  return (
    <svg class="icon" viewBox="0 0 24 24" width="14" height="14" fill="none" stroke="currentColor" stroke-width="2"
      stroke-linecap="round" stroke-linejoin="round" role={label ? 'img' : undefined} aria-label={label}
      aria-hidden={label ? undefined : 'true'}>
      {label && <title>{label}</title>}
      {children}
    </svg>
  );
}

/** R39: the eye marks private messages and private mode. */
export const EyeIcon = ({ label }: IconProps) => (
  <Icon label={label}><path d="M1 12s4-7 11-7 11 7 11 7-4 7-11 7S1 12 1 12z" /><circle cx="12" cy="12" r="3" /></Icon>
);

/** R52: the lock marks values the website verified. */
export const LockIcon = ({ label }: IconProps) => (
  <Icon label={label}><rect x="4" y="11" width="16" height="10" rx="2" /><path d="M8 11V7a4 4 0 0 1 8 0v4" /></Icon>
);

export const ClipIcon = ({ label }: IconProps) => (
  <Icon label={label}><path d="M21 12.5l-8.5 8.5a6 6 0 0 1-8.5-8.5l9-9a4 4 0 0 1 5.7 5.7l-9 9a2 2 0 0 1-2.8-2.8l8.3-8.3" /></Icon>
);
