import type { Section } from '../../app/section';
import './terminal.css';
import { TerminalView } from './TerminalView';

export const terminalSection: Section = { id: 'terminal', label: 'Terminal', icon: '›_', View: TerminalView };
