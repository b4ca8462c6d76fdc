import type { Section } from '../../app/section';
import './logs.css';
import { LogsView } from './LogsView';

export const logsSection: Section = { id: 'logs', label: 'Logs', icon: '☰', View: LogsView };
