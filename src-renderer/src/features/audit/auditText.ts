// The audit trail in words: records named, not numbered; details as "key value" phrases.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Names the records the window knows by id ("server web-1", "site shop.example.com"). */
export type NameOf = (id: string) => string | null;

/** A target: its name when known, else the start of its id (the whole id on hover). */
export function targetText(id: string | null, nameOf: NameOf): string {
  if (!id) return '—';
  return nameOf(id) ?? (UUID.test(id) ? `${id.slice(0, 8)}… (gone)` : id);
}

/** "backup.restore" → "backup restore". */
export const actionText = (action: string) => action.replace(/[._]/g, ' ');

/** What changed, as phrases: "domain shop.example.com · schedule hourly"; ids named, nulls left out. */
export function detailText(detail: unknown, nameOf: NameOf): string {
  if (detail === null || detail === undefined) return '';
  if (typeof detail !== 'object') return valueText(detail, nameOf);
  // A change recorded as before and after: only what changed, "theme system → light".
  const { before, after } = detail as { before?: unknown; after?: unknown };
  if (isRecord(before) && isRecord(after) && Object.keys(detail).length === 2) {
    const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])]
      .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
      .map(
        (k) =>
          `${phrase(k)} ${valueText(before[k] ?? 'none', nameOf)} → ${valueText(after[k] ?? 'none', nameOf)}`,
      );
    return changed.join(' · ') || 'no change';
  }
  return Object.entries(detail as Record<string, unknown>)
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => `${phrase(k)} ${valueText(v, nameOf)}`)
    .join(' · ');
}

function valueText(v: unknown, nameOf: NameOf): string {
  if (typeof v === 'string') return UUID.test(v) ? (nameOf(v) ?? `${v.slice(0, 8)}…`) : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.map((x) => valueText(x, nameOf)).join(', ');
  if (v && typeof v === 'object') return `(${detailText(v, nameOf)})`;
  return String(v);
}

const phrase = (key: string) => key.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
