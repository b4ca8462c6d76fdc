import { View } from './View';

/** An honest empty state for a section that does not exist yet: no sample data, no fake rows. */
export function notBuilt(title: string, purpose: string) {
  function NotBuilt() {
    return (
      <View title={title}>
        <div className="empty-state" role="status">
          <p className="empty-title">Not built yet</p>
          <p>{purpose}</p>
          <p className="muted">This section has no data and stores nothing until it is built.</p>
        </div>
      </View>
    );
  }
  NotBuilt.displayName = `NotBuilt(${title})`;
  return NotBuilt;
}
