/** Something with a lifetime: a connection, a stream, a subscription, a service's timers. */
export type Disposer = () => void | Promise<void>;

/**
 * Everything with a lifetime, ended together in reverse order of creation: what was made last
 * (and may use what came before it) ends first. A half-built composition root disposes what it
 * had built. One failing disposer does not stop the others; the first failure is rethrown.
 */
export class DisposableStore {
  private readonly disposers: Disposer[] = [];
  private disposed = false;

  /** Adds a disposer, run once when the store is disposed. */
  add(disposer: Disposer): void {
    if (this.disposed) throw new Error('add() after dispose(): this lifetime has ended');
    this.disposers.push(disposer);
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /**
   * Ends everything now, without waiting for asynchronous disposers (a composition root that failed
   * half-way, inside a synchronous constructor). Failures are swallowed: the original error matters.
   */
  disposeSync(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const disposer of this.disposers.reverse()) {
      try {
        void Promise.resolve(disposer()).catch(() => undefined);
      } catch {
        // keep ending the rest
      }
    }
    this.disposers.length = 0;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    let failure: unknown = null;
    for (const disposer of this.disposers.reverse()) {
      try {
        await disposer();
      } catch (err) {
        failure ??= err;
      }
    }
    this.disposers.length = 0;
    if (failure) throw failure;
  }
}
