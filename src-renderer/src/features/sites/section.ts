import type { Section } from '../../app/section';
import './sites.css';
import { SitesView } from './SitesView';

export const sitesSection: Section = { id: 'sites', label: 'Sites', icon: '◎', View: SitesView };
