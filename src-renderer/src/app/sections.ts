import type { ComponentType } from 'react';
import { AuditView } from '../features/audit/AuditView';
import { notBuilt } from '../features/placeholders/NotBuilt';
import { LogsView } from '../features/logs/LogsView';
import { ModulesView } from '../features/modules/ModulesView';
import { ServersView } from '../features/servers/ServersView';
import { SitesView } from '../features/sites/SitesView';
import { TenantsView } from '../features/tenants/TenantsView';
import { TerminalView } from '../features/terminal/TerminalView';
import { SettingsView } from '../features/settings/SettingsView';

export interface Section {
  id: string;
  label: string;
  icon: string;
  View: ComponentType;
}

/** The navigation, in order; Alt+1…9 jump to these. */
export const sections: Section[] = [
  {
    id: 'servers',
    label: 'Servers',
    icon: '▣',
    View: ServersView,
  },
  {
    id: 'sites',
    label: 'Sites',
    icon: '◎',
    View: SitesView,
  },
  {
    id: 'tenants',
    label: 'Tenants',
    icon: '◍',
    View: TenantsView,
  },
  {
    id: 'modules',
    label: 'Modules',
    icon: '▤',
    View: ModulesView,
  },
  {
    id: 'backups',
    label: 'Backups',
    icon: '⛁',
    View: notBuilt('Backups', 'Encrypted site backups with verified restores.'),
  },
  {
    id: 'logs',
    label: 'Logs',
    icon: '☰',
    View: LogsView,
  },
  {
    id: 'terminal',
    label: 'Terminal',
    icon: '›_',
    View: TerminalView,
  },
  { id: 'audit', label: 'Audit', icon: '✓', View: AuditView },
  { id: 'settings', label: 'Settings', icon: '⚙', View: SettingsView },
];
