import type { Section } from '../../app/section';
import { notBuilt } from '../../components/NotBuilt';

export const backupsSection: Section = {
  id: 'backups',
  label: 'Backups',
  icon: '⛁',
  View: notBuilt('Backups', 'Encrypted site backups with verified restores.'),
};
