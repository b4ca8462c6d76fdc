import type { ServerInfo, SiteInfo } from '@contract';
import { AppError } from '../api/app-error';

/**
 * Who uses a secret or a server, answered the same way wherever something is removed (issue #11;
 * the registry issue #12 grows this into one home for cross-capability rules). Each user is named
 * with what it uses the thing for, so the refusal is a sentence the operator can act on.
 */
export interface InUseSources {
  servers(): ServerInfo[];
  sites(): SiteInfo[];
}

export function usersOfSecret(src: InUseSources, secretId: string): string[] {
  const users: string[] = [];
  for (const s of src.servers()) {
    if (s.auth.kind !== 'agent' && s.auth.secretId === secretId) users.push(`server ${s.name} (its sign-in)`);
  }
  for (const site of src.sites()) {
    if (site.dbSecretId === secretId) users.push(`site ${site.domain} (its database password)`);
    if (site.adminSecretId === secretId) users.push(`site ${site.domain} (its WordPress admin password)`);
    if (site.deployKeySecretId === secretId) users.push(`site ${site.domain} (its deploy key)`);
  }
  return users;
}

export function usersOfServer(src: InUseSources, serverId: string): string[] {
  return src
    .sites()
    .filter((site) => site.serverId === serverId)
    .map((site) => `site ${site.domain}`);
}

/** CONFLICT naming every user, or nothing when there is none. */
export function refuseWhileUsed(what: string, users: string[], hint: string): void {
  if (users.length === 0) return;
  const listed =
    users.length > 5 ? `${users.slice(0, 5).join(', ')} and ${users.length - 5} more` : users.join(', ');
  throw new AppError('CONFLICT', `${what} is still in use by ${listed}.`, { hint });
}
