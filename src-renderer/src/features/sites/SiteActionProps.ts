import type { SiteInfo } from '@contract';

/** What a site's action panel takes: the site, where the started job goes, and how to close. */
export interface SiteActionProps {
  site: SiteInfo;
  onStarted(jobId: string): void;
  onCancel(): void;
}
