import { contract } from '@contract';
import type { CommandName, InputOf, OutputOf } from '@contract';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { api, errorText, HostdeckError } from '../api/client';
import { formField, issuesByField } from './fieldIssues';

export type Values = Record<string, unknown>;
/** The keys of the values that hold text (what a TextField edits). */
export type TextKey<V> = { [F in keyof V]: V[F] extends string ? F : never }[keyof V] & string;

export interface FormOptions<K extends CommandName, V extends Values> {
  /** The command's input made from the values; by default the values are the input. */
  toInput?(values: V): InputOf<K>;
  /**
   * When a field's own error shows: once it has lost focus ('blur', the default) or as soon as it
   * changes ('change', for forms that open filled in). Every error shows after a submit.
   */
  validateOn?: 'blur' | 'change';
  /** What the schema cannot say: gets its messages by field, returns the messages to show. */
  refine?(issues: Record<string, string>, values: V, input: InputOf<K>): Record<string, string>;
  /** Fields an error can be shown under beyond the values' own (a picker kept outside them). */
  fields?: readonly string[];
  /** The field an error about this contract path (or another command's field) is shown under. */
  fieldOf?(path: string): string;
  /** Work just before the call (e.g. making the key a new server signs in with): the input to send. */
  prepare?(input: InputOf<K>): Promise<InputOf<K>>;
  /** What main answered; the form stays as it is (a view usually closes it). */
  onDone?(output: OutputOf<K>): void;
}

/** A form field's props for TextField, TextAreaField and SelectField. */
export interface BoundField {
  value: string;
  onChange(value: string): void;
  onBlur(): void;
  error: string | undefined;
}

/** What useForm gives a form. */
export interface Form<V extends Values> {
  values: V;
  set<F extends keyof V & string>(field: F): (value: V[F]) => void;
  update(change: (v: V) => V): void;
  field(name: TextKey<V>): BoundField;
  touch(field: string): void;
  errorOf(field: string): string | undefined;
  /** Every field's message from the schema now, shown or not yet. */
  issues: Record<string, string>;
  busy: boolean;
  failure: string | null;
  submit(e?: FormEvent<HTMLFormElement>, extra?: Partial<V>): Promise<void>;
}

/** Dotted names of the values' fields: "name", and "php.memoryLimit" inside an object value. */
function fieldNames(values: Values): string[] {
  return Object.entries(values).flatMap(([k, v]) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? [k, ...Object.keys(v).map((s) => `${k}.${s}`)]
      : [k],
  );
}

/**
 * A form for one contract command: its values, which fields were touched, one message per field
 * (from the command's own zod input schema as the operator types, or from main's answer naming a
 * field), whether main is answering, and the submit that sends it. What the form does not show is
 * not checked here: main checks everything again and its answer lands in `failure`.
 */
export function useForm<K extends CommandName, V extends Values>(
  command: K,
  initial: V,
  options: FormOptions<K, V> = {},
): Form<V> {
  const [values, setValues] = useState(initial);
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set());
  const [submitted, setSubmitted] = useState(false);
  const [answers, setAnswers] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const known = new Set([...fieldNames(initial), ...(options.fields ?? [])]);
  const toInput = options.toInput ?? ((v: V) => v as unknown as InputOf<K>);
  const check = (v: V) => {
    const input = toInput(v);
    const parsed = issuesByField(contract.commands[command].input.safeParse(input), input);
    const shown = Object.fromEntries(Object.entries(parsed).filter(([f]) => known.has(f)));
    return { input, issues: options.refine ? options.refine(shown, v, input) : shown };
  };
  const { issues } = check(values);

  const visible = (field: string) => submitted || touched.has(field) || touched.has(field.split('.')[0]!);
  const errorOf = (field: string): string | undefined =>
    answers[field] ?? (visible(field) ? issues[field] : undefined);
  const touch = (field: string) => setTouched((t) => (t.has(field) ? t : new Set(t).add(field)));

  /**
   * Replaces the values. Main's answer was about what was sent, so any change retires it (a rule
   * may span fields: an alias against the www policy).
   */
  const update = (change: (v: V) => V) => {
    const next = change(values);
    const changed = Object.keys(next).filter((k) => next[k] !== values[k]);
    if (changed.length === 0) return;
    setValues(next);
    setAnswers({});
    if (options.validateOn === 'change') changed.forEach(touch);
  };
  const set =
    <F extends keyof V & string>(field: F) =>
    (value: V[F]) =>
      update((v) => ({ ...v, [field]: value }));
  const field = (name: TextKey<V>): BoundField => ({
    value: values[name] as string,
    onChange: (value) => set(name)(value as V[typeof name]),
    onBlur: () => touch(name),
    error: errorOf(name),
  });

  /** Checks, then sends; refused fields get focus. `extra` overrides values for this submit only. */
  const submit = async (e?: FormEvent<HTMLFormElement>, extra?: Partial<V>) => {
    e?.preventDefault();
    const form = e?.currentTarget;
    setSubmitted(true);
    setFailure(null);
    const { input, issues: refused } = check(extra ? { ...values, ...extra } : values);
    if (Object.keys(refused).length > 0) {
      requestAnimationFrame(() => form?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
      return;
    }
    setBusy(true);
    try {
      const output = await api.call(command, options.prepare ? await options.prepare(input) : input);
      options.onDone?.(output);
    } catch (err) {
      const path = err instanceof HostdeckError ? err.field : undefined;
      const at = path === undefined ? undefined : (options.fieldOf?.(path) ?? formField(path));
      if (at !== undefined && known.has(at)) setAnswers({ [at]: errorText(err) });
      else setFailure(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return { values, set, update, field, touch, errorOf, issues, busy, failure, submit };
}
