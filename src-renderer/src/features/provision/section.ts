import type { Section } from '../../app/section';
import './provision.css';
import { ProvisionView } from './ProvisionView';

export const provisionSection: Section = {
  id: 'provision',
  label: 'Provisioning',
  icon: '▤',
  View: ProvisionView,
};
