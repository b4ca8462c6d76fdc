import { describe, expect, it } from 'vitest';
import { actionText, detailText, targetText } from '../../src-renderer/src/features/audit/auditText';

const WEB = '0f8fad5b-d9cb-469f-a165-70867728950e';
const GONE = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const nameOf = (id: string) => (id === WEB ? 'server web-1' : null);

describe('the audit trail in words', () => {
  it('names what it knows, and says when a record is gone', () => {
    expect(targetText(WEB, nameOf)).toBe('server web-1');
    expect(targetText(GONE, nameOf)).toBe('7c9e6679… (gone)');
    expect(targetText(null, nameOf)).toBe('—');
    expect(targetText('settings', nameOf)).toBe('settings');
  });

  it('turns details into phrases, ids named, empty values left out', () => {
    expect(
      detailText(
        {
          domain: 'shop.acme.test',
          fromServerId: WEB,
          database: null,
          modules: ['caddy', 'mariadb'],
          keep: { last: 3 },
        },
        nameOf,
      ),
    ).toBe('domain shop.acme.test · from server id server web-1 · modules caddy, mariadb · keep (last 3)');
    expect(detailText({}, nameOf)).toBe('');
    expect(detailText(null, nameOf)).toBe('');
    expect(actionText('backup.restore')).toBe('backup restore');
    expect(
      detailText({ before: { theme: 'system', lock: true }, after: { theme: 'light', lock: true } }, nameOf),
    ).toBe('theme system → light');
  });
});
