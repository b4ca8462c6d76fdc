import { auditSection } from '../features/audit/section';
import { backupsSection } from '../features/backups/section';
import { logsSection } from '../features/logs/section';
import { provisionSection } from '../features/provision/section';
import { serversSection } from '../features/servers/section';
import { settingsSection } from '../features/settings/section';
import { sitesSection } from '../features/sites/section';
import { tenantsSection } from '../features/tenants/section';
import { terminalSection } from '../features/terminal/section';
import type { Section } from './section';

export type { Section };

/** The navigation, in order; Alt+1…9 jump to these. Each feature folder declares its own entry. */
export const sections: Section[] = [
  serversSection,
  sitesSection,
  tenantsSection,
  provisionSection,
  backupsSection,
  logsSection,
  terminalSection,
  auditSection,
  settingsSection,
];
