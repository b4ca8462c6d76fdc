import { serverUpdate, siteCreate, tenantCreate } from '@contract';
import { describe, expect, it } from 'vitest';
import { formField, issuesByField } from '../../src-renderer/src/lib/fieldIssues';

const site = {
  serverId: '00000000-0000-0000-0000-000000000001',
  tenantId: '00000000-0000-0000-0000-000000000002',
  slug: 'shop',
  domain: 'shop.example.com',
  aliases: [] as string[],
  php: { memoryLimit: '256M', uploadMax: '64M', extraIni: '' },
};

describe('form field messages from the contract (lib/fieldIssues, behind useForm)', () => {
  it('folds a list item into its list and keeps nested fields dotted', () => {
    expect(formField('aliases.2')).toBe('aliases');
    expect(formField('php.memoryLimit')).toBe('php.memoryLimit');
    expect(formField('tags.0')).toBe('tags');
  });

  it('gives each field its first message and nothing for a valid input', () => {
    const input = { name: '', slug: 'Acme' };
    const issues = issuesByField(tenantCreate.safeParse(input), input);
    expect(Object.keys(issues).sort()).toEqual(['name', 'slug']);
    expect(issuesByField(tenantCreate.safeParse({ name: 'Acme', slug: 'acme' }))).toEqual({});
  });

  it('names the refused item of a list, taken from the input that was parsed', () => {
    const input = { ...site, aliases: ['www.shop.example.com', 'shop.example.com|x'] };
    expect(issuesByField(siteCreate.safeParse(input), input).aliases).toBe(
      'shop.example.com|x: not a host name like shop.example.com',
    );
    const tags = { id: '00000000-0000-0000-0000-000000000003', tags: ['production', 'Bad Tag'] };
    expect(issuesByField(serverUpdate.safeParse(tags), tags).tags).toMatch(/^Bad Tag: tags: lower-case/);
  });

  it('keys a nested field by its dotted path', () => {
    const input = { ...site, php: { ...site.php, extraIni: 'open_basedir = /' } };
    expect(issuesByField(siteCreate.safeParse(input), input)['php.extraIni']).toMatch(/open_basedir/);
  });
});
