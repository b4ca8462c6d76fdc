import { View } from './View';
import { EmptyState } from './EmptyState';

/** An honest empty state for a section that does not exist yet: no sample data, no fake rows. */
export function notBuilt(title: string, purpose: string) {
  function NotBuilt() {
    return (
      <View title={title}>
        <EmptyState title="Not built yet">
          <p>{purpose}</p>
          <p className="muted">This section has no data and stores nothing until it is built.</p>
        </EmptyState>
      </View>
    );
  }
  NotBuilt.displayName = `NotBuilt(${title})`;
  return NotBuilt;
}
