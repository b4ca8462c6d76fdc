import type { EventName, PayloadOf } from '@contract';

export type EventListener = (name: EventName, payload: unknown) => void;

/**
 * In-process event bus. Services emit contract events; the shell (IPC), the test bridge (WebSocket)
 * and the CLI attach as listeners. Listener errors are isolated so one bad subscriber cannot stop
 * a job from reporting.
 */
export class EventBus {
  private readonly listeners = new Set<EventListener>();

  emit<E extends EventName>(name: E, payload: PayloadOf<E>): void {
    for (const listener of this.listeners) {
      try {
        listener(name, payload);
      } catch (err) {
        console.error(`[events] listener failed for ${name}:`, err);
      }
    }
  }

  listen(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
