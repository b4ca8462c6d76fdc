import { useState } from 'react';
import { slugFrom } from './slugFrom';
import type { BoundField, Form, TextKey, Values } from './useForm';

/**
 * A slug that follows another field of the form (a tenant's name, a site's domain) until the
 * operator types one: the props of both fields.
 */
export function useSlugFollowing<V extends Values & { slug: string }>(
  form: Form<V>,
  source: TextKey<V>,
): { source: BoundField; slug: BoundField } {
  const [edited, setEdited] = useState(false);
  return {
    source: {
      ...form.field(source),
      onChange: (text) =>
        form.update((x) => ({ ...x, [source]: text, slug: edited ? x.slug : slugFrom(text) })),
    },
    slug: {
      ...form.field('slug' as TextKey<V>),
      onChange: (slug) => {
        form.update((x) => ({ ...x, slug }));
        setEdited(true);
      },
    },
  };
}
