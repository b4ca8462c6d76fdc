import { siteTypes, tlsModes, wwwPolicies } from '@contract';
import type { SiteType, TlsMode, WwwPolicy } from '@contract';
import { SelectField } from '../../components/SelectField';
import { siteTypeLabel, tlsLabel, wwwLabel } from './siteText';

/** The site's type, TLS mode and www policy as labelled selects (create and edit share them). */
export function TypeField({ value, onChange }: { value: SiteType; onChange(v: SiteType): void }) {
  return (
    <SelectField
      label="Type"
      value={value}
      options={siteTypes.map((t) => ({ value: t, label: siteTypeLabel[t] }))}
      onChange={(t) => onChange(t as SiteType)}
    />
  );
}

export function TlsField({ value, onChange }: { value: TlsMode; onChange(v: TlsMode): void }) {
  return (
    <SelectField
      label="TLS"
      value={value}
      options={tlsModes.map((t) => ({ value: t, label: tlsLabel[t] }))}
      onChange={(t) => onChange(t as TlsMode)}
    />
  );
}

export function WwwField({ value, onChange }: { value: WwwPolicy; onChange(v: WwwPolicy): void }) {
  return (
    <SelectField
      label="www"
      value={value}
      options={wwwPolicies.map((w) => ({ value: w, label: wwwLabel[w] }))}
      onChange={(w) => onChange(w as WwwPolicy)}
    />
  );
}
