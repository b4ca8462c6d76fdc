import type { Section } from '../../app/section';
import { TenantsView } from './TenantsView';

export const tenantsSection: Section = { id: 'tenants', label: 'Tenants', icon: '◍', View: TenantsView };
