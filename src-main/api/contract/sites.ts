import { z } from 'zod';
import { command, empty, event } from './define';

// The same rules the site module applies again on the host (server-scripts/modules/site.sh).
const SLUG_HELP = '1-29 characters of a-z, 0-9 and -, starting with a letter and not ending with -';
export const slug = z
  .string()
  .trim()
  .min(1, 'required')
  .max(29, 'at most 29 characters')
  .regex(/^[a-z]([a-z0-9-]*[a-z0-9])?$/, SLUG_HELP)
  .refine((s) => !s.includes('--'), 'no "--" inside');

const LABEL = '[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?';
const DOMAIN_RE = new RegExp(`^(${LABEL}\\.){1,8}([a-z]{2,63}|xn--[a-z0-9-]{1,59})$`);
export const domain = z
  .string()
  .trim()
  .min(1, 'required')
  .max(253, 'at most 253 characters')
  // Anything outside ASCII (look-alike letters included) is refused by name, not silently mapped.
  .refine((s) => /^[\x21-\x7e]*$/.test(s), {
    message: 'only a-z, 0-9, - and dots: write international names in punycode (xn--...)',
  })
  .refine((s) => s === s.toLowerCase(), { message: 'use lower case' })
  .refine((s) => DOMAIN_RE.test(s), { message: 'not a host name like shop.example.com' });

export const siteTypes = ['php', 'wordpress', 'laravel'] as const;
export type SiteType = (typeof siteTypes)[number];
export const tlsModes = ['auto', 'internal', 'off'] as const;
export type TlsMode = (typeof tlsModes)[number];
export const wwwPolicies = ['none', 'to-apex', 'to-www'] as const;
export type WwwPolicy = (typeof wwwPolicies)[number];

const size = z
  .string()
  .trim()
  .regex(/^[1-9][0-9]{0,4}M$/, 'a size in MB like 256M');
const INI_DENIED = [
  'open_basedir',
  'disable_functions',
  'disable_classes',
  'extension',
  'zend_extension',
  'auto_prepend_file',
  'auto_append_file',
  'include_path',
  'sys_temp_dir',
  'upload_tmp_dir',
  'session.save_path',
  'allow_url_include',
];
/** Extra php.ini lines, `key = value` one a line (what the host accepts: see site.sh). */
export const extraIni = z
  .string()
  .max(4000)
  .superRefine((text, ctx) => {
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    if (lines.length > 32) ctx.addIssue({ code: 'custom', message: 'at most 32 settings' });
    for (const line of lines) {
      const m = /^\s*([a-z][a-z0-9_.]{0,63})\s*=\s*([A-Za-z0-9 _./:-]{0,200})\s*$/.exec(line);
      if (!m) {
        ctx.addIssue({
          code: 'custom',
          message: `"${line.slice(0, 60)}" is not key = value (values: letters, digits, space _ . / : -)`,
        });
      } else if (INI_DENIED.includes(m[1]!)) {
        ctx.addIssue({
          code: 'custom',
          message: `${m[1]} is set by Hostdeck (it keeps the site in its sandbox)`,
        });
      }
    }
  });
/** The host's form of extraIni: key=value,key=value. */
export const iniToOption = (text: string): string =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const i = l.indexOf('=');
      return `${l.slice(0, i).trim()}=${l.slice(i + 1).trim()}`;
    })
    .join(',');

export const phpSettings = z
  .object({
    memoryLimit: size.default('256M'),
    uploadMax: size.default('64M'),
    extraIni: extraIni.default(''),
  })
  .strict();
export type PhpSettings = z.output<typeof phpSettings>;

const aliases = z
  .array(domain)
  .max(20, 'at most 20 aliases')
  .default([])
  .refine((a) => new Set(a).size === a.length, 'an alias is listed twice');

const serverId = z.string().regex(/^[0-9a-f-]{36}$/, 'choose a server');
const tenantId = z.string().regex(/^[0-9a-f-]{36}$/, 'choose a tenant');
export const siteId = z.string().regex(/^[0-9a-f-]{36}$/, 'unknown site');

export const tenantCreate = z
  .object({ name: z.string().trim().min(1, 'required').max(100, 'at most 100 characters'), slug })
  .strict();
export const tenantRef = z.object({ tenantId }).strict();

export const siteCreate = z
  .object({
    serverId,
    tenantId,
    slug,
    domain,
    aliases,
    type: z.enum(siteTypes).default('php'),
    tls: z.enum(tlsModes).default('auto'),
    www: z.enum(wwwPolicies).default('none'),
    php: phpSettings.default({ memoryLimit: '256M', uploadMax: '64M', extraIni: '' }),
    /** WordPress only: the site title and the admin's e-mail (the password goes to the vault). */
    title: z
      .string()
      .trim()
      .max(100, 'at most 100 characters')
      .regex(
        /^[A-Za-z0-9 .,:;!?&()@#%+=/_-]*$/,
        'letters, digits, spaces and . , : ; ! ? & ( ) @ # % + = / _ - only',
      )
      .optional(),
    adminEmail: z.string().trim().email('an e-mail address').max(120).optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.aliases.includes(s.domain))
      ctx.addIssue({ code: 'custom', path: ['aliases'], message: 'the primary domain is not an alias' });
    if (s.www !== 'none' && s.aliases.includes(`www.${s.domain}`))
      ctx.addIssue({
        code: 'custom',
        path: ['aliases'],
        message: `www.${s.domain} is already covered by the www policy`,
      });
  });
export const siteRef = z.object({ siteId }).strict();
export const siteUpdate = z
  .object({
    siteId,
    aliases: aliases.optional(),
    tls: z.enum(tlsModes).optional(),
    www: z.enum(wwwPolicies).optional(),
    php: phpSettings.optional(),
  })
  .strict();
export const siteDelete = z
  .object({
    siteId,
    backup: z.boolean().default(true),
    /** Only forget the site in Hostdeck (and its vault secrets); the host is not contacted. */
    forgetOnly: z.boolean().default(false),
  })
  .strict();
const gitRepo = z
  .string()
  .trim()
  .max(400)
  .regex(
    /^(https:\/\/[A-Za-z0-9][A-Za-z0-9.-]*(:[0-9]{1,5})?\/[A-Za-z0-9._~/+-]+|ssh:\/\/[a-z0-9_][a-z0-9_.-]*@[A-Za-z0-9][A-Za-z0-9.-]*(:[0-9]{1,5})?\/[A-Za-z0-9._~/+-]+|[a-z0-9_][a-z0-9_.-]*@[A-Za-z0-9][A-Za-z0-9.-]*:[A-Za-z0-9._~/+][A-Za-z0-9._~/+-]*|file:\/\/\/[A-Za-z0-9._/+-]+)$/,
    'a git URL: https://host/path, ssh://user@host/path, user@host:path or file:///path',
  )
  .refine((s) => !s.includes('..'), 'no ".." in the URL');
export const siteDeploy = z
  .object({
    siteId,
    /** From git: the repository and branch... */
    repo: gitRepo.optional(),
    branch: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/, 'a branch or tag name')
      .refine((s) => !s.includes('..'), 'no ".."')
      .default('main'),
    /** ...or from a folder on this computer (its files are sent as an archive; .git is left out). */
    folder: z
      .string()
      .trim()
      .max(1000)
      .refine(
        (p) => p.startsWith('/') || /^[A-Za-z]:\\/.test(p),
        'an absolute path to a folder on this computer',
      )
      .optional(),
    /** Use the site's deploy key (sites.deployKey) for the repository. */
    useDeployKey: z.boolean().default(false),
    keep: z.number().int().min(1).max(50).default(5),
    hooks: z.enum(['none', 'laravel']).optional(),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (!d.repo === !d.folder)
      ctx.addIssue({
        code: 'custom',
        path: ['repo'],
        message: 'give a git repository or a local folder (one of them)',
      });
    if (d.folder && d.useDeployKey)
      ctx.addIssue({
        code: 'custom',
        path: ['useDeployKey'],
        message: 'a folder deploy needs no deploy key',
      });
  });
export const siteRollback = z
  .object({
    siteId,
    release: z
      .string()
      .regex(/^[0-9]{8}T[0-9]{6}Z?(-[0-9]{1,3})?$|^initial$/, 'a release id')
      .optional(),
  })
  .strict();

export interface TenantInfo {
  id: string;
  name: string;
  slug: string;
  siteCount: number;
  createdAt: string;
}

export type SiteStatus = 'creating' | 'active' | 'suspended' | 'failed' | 'deleting' | 'unknown';

/** What the host said about the site when it was last refreshed. */
export interface SiteLive {
  exists: boolean;
  active: boolean;
  suspended: boolean;
  port: number | null;
  release: string | null;
  releases: string[];
  database: string | null;
  drift: string[];
  /**
   * Why Caddy's guard set the site's file aside when Caddy started or reloaded ("<UTC time>
   * <reason>": it did not validate on its own; the other sites kept running), or null. Updating
   * the site writes it again.
   */
  caddySetAside: string | null;
  checkedAt: string;
}

export interface SiteInfo {
  id: string;
  serverId: string;
  serverName: string;
  tenantId: string;
  tenantSlug: string;
  tenantName: string;
  slug: string;
  domain: string;
  aliases: string[];
  type: SiteType;
  tls: TlsMode;
  www: WwwPolicy;
  php: PhpSettings;
  port: number;
  status: SiteStatus;
  lastError: string | null;
  dbName: string;
  /** Vault ids (never values): the database password, the WordPress admin password, the deploy key. */
  dbSecretId: string | null;
  adminSecretId: string | null;
  deployKeySecretId: string | null;
  repo: string | null;
  branch: string | null;
  live: SiteLive | null;
  wordpress: { title: string; adminEmail: string } | null;
  url: string;
  createdAt: string;
  updatedAt: string;
}

export interface DeployKeyInfo {
  secretId: string;
  publicKey: string;
  fingerprint: string;
}

/** The sites slice of the contract: its commands (with their traits) and events. */
export const sitesCommands = {
  'tenants.list': command<TenantInfo[]>()(empty, "The operator's customers, with how many sites each has.", {
    passive: true,
  }),
  'tenants.create': command<TenantInfo>()(
    tenantCreate,
    'Add a tenant (a Linux user appears with its first site).',
    { audit: 'tenant.create' },
  ),
  'tenants.remove': command<{ removed: true }>()(tenantRef, 'Remove a tenant that has no sites.', {
    audit: 'tenant.remove',
  }),
  'sites.list': command<SiteInfo[]>()(empty, 'Every site on every server, with its last known status.', {
    passive: true,
  }),
  'sites.get': command<SiteInfo>()(siteRef, 'One site.', { passive: true }),
  'sites.create': command<{ jobId: string; site: SiteInfo }>()(
    siteCreate,
    'Create a site on a server, as a job (validated here and again on the host).',
    { audit: 'site.create' },
  ),
  'sites.update': command<{ jobId: string }>()(
    siteUpdate,
    "Change a site's aliases, TLS mode, www policy or PHP settings, as a job.",
    { audit: 'site.update' },
  ),
  'sites.suspend': command<{ jobId: string }>()(siteRef, 'Serve a maintenance page and stop its PHP.', {
    audit: 'site.suspend',
  }),
  'sites.resume': command<{ jobId: string }>()(siteRef, 'Bring a suspended site back.', {
    audit: 'site.resume',
  }),
  'sites.delete': command<{ jobId: string }>()(
    siteDelete,
    'Delete a site from its server (by default after a final encrypted backup in its restic repository), as a job.',
    { audit: 'site.delete' },
  ),
  'sites.refresh': command<SiteInfo>()(siteRef, "Read the site's real state back from its host (drift)."),
  'sites.deployKey': command<DeployKeyInfo>()(
    siteRef,
    "The site's deploy key (made in the vault on first use): add its public key to the repository.",
    { audit: 'site.deployKey' },
  ),
  'sites.deploy': command<{ jobId: string }>()(
    siteDeploy,
    'Deploy a new release from git, switched atomically, as a job.',
    { audit: 'site.deploy' },
  ),
  'sites.rollback': command<{ jobId: string }>()(siteRollback, 'Switch back to an earlier release.', {
    audit: 'site.rollback',
  }),
} as const;

export const sitesEvents = {
  'sites.changed': event<SiteInfo>(
    'A site was created, changed, refreshed or deleted (status "deleting" then gone).',
  ),
  'sites.removed': event<{ siteId: string }>('A site was deleted from its server and from Hostdeck.'),
} as const;
