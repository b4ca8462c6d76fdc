/**
 * A slug suggested from a name or domain until the operator types one ("Acme Ltd." → "acme-ltd",
 * "shop.example.com" → "shop-example-com"): the contract's slug rules, best effort.
 */
export const slugFrom = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, 29)
    .replace(/-+$/, '');
