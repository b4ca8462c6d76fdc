import { TextAreaField } from '../../components/TextAreaField';
import { TextField } from '../../components/TextField';

export interface PhpDraft {
  memoryLimit: string;
  uploadMax: string;
  extraIni: string;
}

interface Props {
  value: PhpDraft;
  onChange(next: PhpDraft): void;
  onBlur?(field: keyof PhpDraft): void;
  /** Messages keyed like the contract's paths: "php.memoryLimit". */
  errorOf(field: `php.${keyof PhpDraft}`): string | null | undefined;
}

/** The site's PHP settings, as in the contract's phpSettings (used by create and edit). */
export function PhpFields({ value, onChange, onBlur, errorOf }: Props) {
  const set = (field: keyof PhpDraft) => (v: string) => onChange({ ...value, [field]: v });
  return (
    <fieldset className="field-group">
      <legend>PHP</legend>
      <div className="grid-2">
        <TextField
          label="Memory limit"
          value={value.memoryLimit}
          onChange={set('memoryLimit')}
          onBlur={() => onBlur?.('memoryLimit')}
          error={errorOf('php.memoryLimit')}
          placeholder="256M"
        />
        <TextField
          label="Upload max"
          value={value.uploadMax}
          onChange={set('uploadMax')}
          onBlur={() => onBlur?.('uploadMax')}
          error={errorOf('php.uploadMax')}
          placeholder="64M"
        />
      </div>
      <TextAreaField
        label="Extra php.ini settings"
        value={value.extraIni}
        onChange={set('extraIni')}
        onBlur={() => onBlur?.('extraIni')}
        error={errorOf('php.extraIni')}
        hint="key = value, one a line (for example max_execution_time = 60)"
        mono
      />
    </fieldset>
  );
}
