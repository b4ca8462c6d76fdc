import { AppError } from './app-error';

/** What can be in use by something else: removing one is refused while anything uses it. */
export type ReferenceKind = 'secret' | 'server' | 'tenant';

/**
 * Names the users of one thing, each with what it uses it for ("site shop.example (its database
 * password)"), so a refusal is a sentence the operator can act on.
 */
export type UsersOf = (id: string) => string[];

/**
 * The one home of rules that span capabilities: each capability declares who among its records uses
 * a secret, a server or a tenant; every removal asks here and answers CONFLICT naming the users.
 */
export class References {
  private readonly sources = new Map<ReferenceKind, UsersOf[]>();

  declare(kind: ReferenceKind, usersOf: UsersOf): void {
    const list = this.sources.get(kind) ?? [];
    list.push(usersOf);
    this.sources.set(kind, list);
  }

  usersOf(kind: ReferenceKind, id: string): string[] {
    return (this.sources.get(kind) ?? []).flatMap((users) => users(id));
  }

  /** CONFLICT naming every user (`what` is e.g. 'The secret "x"'), or nothing when none. */
  refuseWhileUsed(kind: ReferenceKind, id: string, what: string, hint: string): void {
    const users = this.usersOf(kind, id);
    if (users.length === 0) return;
    const listed =
      users.length > 5 ? `${users.slice(0, 5).join(', ')} and ${users.length - 5} more` : users.join(', ');
    throw new AppError('CONFLICT', `${what} is still in use by ${listed}.`, { hint });
  }
}
