import type { Section } from '../../app/section';
import './settings.css';
import { SettingsView } from './SettingsView';

export const settingsSection: Section = { id: 'settings', label: 'Settings', icon: '⚙', View: SettingsView };
