import type { ComponentType } from 'react';

/** One entry of the navigation; each feature folder declares its own (section.ts). */
export interface Section {
  id: string;
  label: string;
  icon: string;
  View: ComponentType;
}
