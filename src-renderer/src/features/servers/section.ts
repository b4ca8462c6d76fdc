import type { Section } from '../../app/section';
import './servers.css';
import { ServersView } from './ServersView';

export const serversSection: Section = { id: 'servers', label: 'Servers', icon: '▣', View: ServersView };
