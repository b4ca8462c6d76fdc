import type { Section } from '../../app/section';
import { BackupsView } from './BackupsView';

export const backupsSection: Section = { id: 'backups', label: 'Backups', icon: '⛁', View: BackupsView };
