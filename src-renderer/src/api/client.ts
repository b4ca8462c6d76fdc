import type {
  ApiError,
  CommandName,
  EventName,
  HostdeckBridge,
  InputOf,
  OutputOf,
  PayloadOf,
} from '@contract';

declare global {
  interface Window {
    hostdeck?: HostdeckBridge;
  }
}

/** A failed command, as a value the views can show: message, what to do next, and the field. */
export class HostdeckError extends Error {
  readonly code: ApiError['code'];
  readonly hint: string | undefined;
  readonly field: string | undefined;
  constructor(error: ApiError) {
    super(error.message);
    this.name = 'HostdeckError';
    this.code = error.code;
    this.hint = error.hint;
    this.field = error.field;
  }
}

export const hasBridge = () => typeof window !== 'undefined' && window.hostdeck !== undefined;

function bridge(): HostdeckBridge {
  if (!window.hostdeck)
    throw new Error('Hostdeck must run inside its app window (window.hostdeck is missing).');
  return window.hostdeck;
}

/** The renderer's typed client, derived from the contract types. */
export const api = {
  async call<K extends CommandName>(name: K, input: InputOf<K>): Promise<OutputOf<K>> {
    const result = await bridge().call(name, input);
    if (!result.ok) throw new HostdeckError(result.error);
    return result.value as OutputOf<K>;
  },
  on<E extends EventName>(name: E, listener: (payload: PayloadOf<E>) => void): () => void {
    return bridge().subscribe(name, (payload) => listener(payload as PayloadOf<E>));
  },
};

export const errorText = (err: unknown) =>
  err instanceof HostdeckError ? [err.message, err.hint].filter(Boolean).join(' ') : String(err);
