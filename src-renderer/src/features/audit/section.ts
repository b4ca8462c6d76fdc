import type { Section } from '../../app/section';
import { AuditView } from './AuditView';

export const auditSection: Section = { id: 'audit', label: 'Audit', icon: '✓', View: AuditView };
