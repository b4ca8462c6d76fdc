import type { SiteStatus, SiteType, TlsMode, WwwPolicy } from '@contract';

/** How the sites views name statuses and settings. */
export const siteStatusLabel: Record<SiteStatus, string> = {
  creating: 'Creating',
  active: 'Active',
  suspended: 'Suspended',
  failed: 'Failed',
  deleting: 'Deleting',
  unknown: 'Unknown',
};

export const siteTypeLabel: Record<SiteType, string> = {
  php: 'PHP',
  wordpress: 'WordPress',
  laravel: 'Laravel',
};

export const tlsLabel: Record<TlsMode, string> = {
  auto: 'Automatic (public certificate)',
  internal: "Caddy's internal CA (testing)",
  off: 'Off (plain HTTP)',
};

export const wwwLabel: Record<WwwPolicy, string> = {
  none: 'No www name',
  'to-apex': 'Redirect www. to the bare domain',
  'to-www': 'Redirect the bare domain to www.',
};

/** A site is busy while a create or delete job owns it: other actions wait. */
export const isBusy = (status: SiteStatus) => status === 'creating' || status === 'deleting';
