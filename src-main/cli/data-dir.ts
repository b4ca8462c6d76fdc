import { homedir } from 'node:os';
import { join } from 'node:path';

/** The same directory Electron's app.getPath('userData') gives the app (productName "Hostdeck"). */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.HOSTDECK_DATA_DIR) return env.HOSTDECK_DATA_DIR;
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Hostdeck');
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Hostdeck');
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'Hostdeck');
}
