import type { SiteInfo } from '@contract';
import { useState } from 'react';
import { errorText } from '../../api/client';
import { apiErrorField } from '../../lib/fieldIssues';

/** What a site's action panel takes: the site, where the started job goes, and how to close. */
export interface SiteActionProps {
  site: SiteInfo;
  onStarted(jobId: string): void;
  onCancel(): void;
}

/**
 * Starting a site's job from a panel: busy while main answers, then the job id handed to
 * `onStarted` (busy stays on: the panel closes). An API error naming one of `fields` goes under
 * that field (`apiErrors`); any other is the panel's `failure`.
 */
export function useJobAction(onStarted: (jobId: string) => void, fields: readonly string[] = []) {
  const [apiErrors, setApiErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const run = async (start: () => Promise<{ jobId: string }>) => {
    setBusy(true);
    setFailure(null);
    try {
      onStarted((await start()).jobId);
    } catch (err) {
      const field = apiErrorField(err, fields);
      if (field) setApiErrors({ [field]: errorText(err) });
      else setFailure(errorText(err));
      setBusy(false);
    }
  };

  return { busy, failure, apiErrors, setApiErrors, run };
}
