import { commandChannel, eventChannel, isCommandName, isEventName } from '@contract';
import type { HostdeckBridge, Result } from '@contract';

/** The slice of ipcRenderer the bridge uses (so it is unit-tested without Electron). */
export interface IpcLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
}

const refused = (message: string): Result<never> => ({
  ok: false,
  error: { code: 'UNKNOWN_COMMAND', message },
});

/**
 * window.hostdeck: the allow-list derived from the contract. Only contract command and event names
 * ever reach ipcRenderer; anything else is refused here, before IPC.
 */
export function createBridge(ipc: IpcLike): HostdeckBridge {
  return Object.freeze({
    async call(command: string, input: unknown): Promise<Result<unknown>> {
      if (!isCommandName(command))
        return refused(`There is no command named ${JSON.stringify(String(command))}.`);
      return (await ipc.invoke(commandChannel(command), input)) as Result<unknown>;
    },
    subscribe(name: string, listener: (payload: unknown) => void): () => void {
      if (!isEventName(name)) throw new Error(`There is no event named ${JSON.stringify(String(name))}.`);
      const channel = eventChannel(name);
      // Never hand the IpcRendererEvent (with its sender) to page code: payload only.
      const wrapped = (_event: unknown, payload: unknown) => listener(payload);
      ipc.on(channel, wrapped);
      return () => {
        ipc.removeListener(channel, wrapped);
      };
    },
  });
}
