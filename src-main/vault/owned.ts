import type { SecretInfo, SecretKind } from '@contract';
import type { References } from '../base/references';
import type { OwnedSecrets } from '../infra/store/owned-secrets';
import type { SecretPayload, VaultService } from './service';

/** A secret one record owns, e.g. a server's MariaDB admin password or its backup repository's. */
export interface OwnedSecretSpec<K extends SecretKind> {
  ownerKind: string;
  purpose: string;
  kind: K;
  /** What a removal refused for it calls the owner and the use: "server web-1 (its MariaDB admin password)". */
  usedBy(ownerId: string): string | null;
  /** The label and value of a new one. */
  make(ownerId: string): { label: string; payload: Extract<SecretPayload, { kind: K }> };
  /** A secret made before secrets were owned by id, adopted when found (by its label). */
  legacy?(secret: SecretInfo, ownerId: string): boolean;
}

export interface OwnedSecretDeps {
  vault: Pick<VaultService, 'list' | 'use' | 'add'>;
  owned: OwnedSecrets;
  references: References;
}

/**
 * The owner's secret, by the owner's id and the purpose (never by a label a rename changes): made
 * once, kept in the vault, and declared in use by its owner so removing it is refused.
 */
export function ownedSecret<K extends SecretKind>(
  d: OwnedSecretDeps,
  spec: OwnedSecretSpec<K>,
): (ownerId: string) => Extract<SecretPayload, { kind: K }> {
  d.references.declare('secret', (secretId) =>
    d.owned
      .ownersOf(spec.ownerKind, secretId)
      .filter(({ purpose }) => purpose === spec.purpose)
      .flatMap(({ ownerId }) => spec.usedBy(ownerId) ?? []),
  );
  return (ownerId) => {
    const id = d.owned.get(spec.ownerKind, ownerId, spec.purpose);
    const secrets = d.vault.list();
    const existing =
      (id && secrets.find((s) => s.id === id)) ??
      (spec.legacy && secrets.find((s) => s.kind === spec.kind && spec.legacy!(s, ownerId)));
    if (existing) {
      if (existing.id !== id) d.owned.set(spec.ownerKind, ownerId, spec.purpose, existing.id);
      return d.vault.use(existing.id, spec.kind);
    }
    const { label, payload } = spec.make(ownerId);
    const info = d.vault.add(label, payload);
    d.owned.set(spec.ownerKind, ownerId, spec.purpose, info.id);
    return payload;
  };
}
