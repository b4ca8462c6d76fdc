import type { ReactNode } from 'react';

export interface ViewHeaderProps {
  /** The view's one level-1 heading. */
  title: ReactNode;
  /** The heading's id, for the section it names (see View). */
  titleId?: string;
  /** A way back to the list this view was opened from ("← All servers"). */
  back?: { label: string; onClick(): void };
  /** A line under the title (an address, a URL). */
  subtitle?: ReactNode;
  /** The view's actions, at the right. */
  children?: ReactNode;
}

/** The top of every view: its title (with a way back and a subtitle on detail pages) and its actions. */
export function ViewHeader({ title, titleId, back, subtitle, children }: ViewHeaderProps) {
  return (
    <header className="view-header">
      <div>
        {back && (
          <button type="button" className="link" onClick={back.onClick}>
            {back.label}
          </button>
        )}
        {/* Focusable from script only: focus lands here when the operator changes section. */}
        <h1 id={titleId} tabIndex={-1}>
          {title}
        </h1>
        {subtitle && <p className="muted mono">{subtitle}</p>}
      </div>
      {children && <div className="row">{children}</div>}
    </header>
  );
}
