/**
 * The OS keychain (Secret Service, macOS Keychain, Windows Credential Vault) through keytar.
 * Optional: when keytar cannot load or no keychain answers, `probe()` says why and Hostdeck keeps
 * "unlock with the keychain" off. There is never a plain-text fallback.
 */
export interface Keychain {
  probe(): Promise<{ available: true } | { available: false; reason: string }>;
  get(account: string): Promise<string | null>;
  set(account: string, value: string): Promise<void>;
  remove(account: string): Promise<void>;
}

interface KeytarModule {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

const SERVICE = 'Hostdeck';

const loadKeytar = async (): Promise<KeytarModule> => {
  // Loaded lazily: a missing native build must disable the feature, not crash the app.
  const mod = (await import('keytar')) as KeytarModule & { default?: KeytarModule };
  return mod.default ?? mod;
};

export function keytarKeychain(load: () => Promise<KeytarModule> = loadKeytar): Keychain {
  let module: Promise<KeytarModule> | null = null;
  const keytar = () => (module ??= load());
  return {
    async probe() {
      try {
        await (await keytar()).getPassword(SERVICE, 'probe');
        return { available: true };
      } catch (err) {
        return { available: false, reason: describe(err) };
      }
    },
    get: async (account) => (await keytar()).getPassword(SERVICE, account),
    set: async (account, value) => (await keytar()).setPassword(SERVICE, account, value),
    async remove(account) {
      await (await keytar()).deletePassword(SERVICE, account);
    },
  };
}

function describe(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/DISPLAY|D-Bus|dbus|org\.freedesktop\.secrets/i.test(message)) {
    return `No OS keychain is reachable (${message}). Start a Secret Service such as GNOME Keyring or KWallet to use it.`;
  }
  return `The OS keychain is not usable here (${message}).`;
}
