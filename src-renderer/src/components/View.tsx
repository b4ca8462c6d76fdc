import { useId } from 'react';
import type { ReactNode } from 'react';
import { ViewHeader } from './ViewHeader';
import type { ViewHeaderProps } from './ViewHeader';

interface Props extends Omit<ViewHeaderProps, 'titleId' | 'children'> {
  /** The header's actions (see ViewHeader). */
  actions?: ReactNode;
  /** A class beside "view", for views that lay out their own height (terminal, logs). */
  className?: string;
  children?: ReactNode;
}

/**
 * A section of the window: a landmark named by its heading, the header, then its content. The
 * heading's id is unique, so a view kept mounted while hidden never names another.
 */
export function View({ actions, className, children, ...header }: Props) {
  const titleId = useId();
  return (
    <section className={className ? `view ${className}` : 'view'} aria-labelledby={titleId}>
      <ViewHeader {...header} titleId={titleId}>
        {actions}
      </ViewHeader>
      {children}
    </section>
  );
}
