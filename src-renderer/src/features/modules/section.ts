import type { Section } from '../../app/section';
import './provision.css';
import { ModulesView } from './ModulesView';

export const modulesSection: Section = { id: 'modules', label: 'Modules', icon: '▤', View: ModulesView };
