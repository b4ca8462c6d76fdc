/** An honest empty state for a section that does not exist yet: no sample data, no fake rows. */
export function notBuilt(title: string, purpose: string) {
  function NotBuilt() {
    return (
      <section className="view" aria-labelledby="view-title">
        <header className="view-header">
          <h1 id="view-title">{title}</h1>
        </header>
        <div className="empty-state" role="status">
          <p className="empty-title">Not built yet</p>
          <p>{purpose}</p>
          <p className="muted">This section has no data and stores nothing until it is built.</p>
        </div>
      </section>
    );
  }
  NotBuilt.displayName = `NotBuilt(${title})`;
  return NotBuilt;
}
