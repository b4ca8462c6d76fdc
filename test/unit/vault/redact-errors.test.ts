// Errors are redacted everywhere they leave the app, not only in job logs (issue #11).
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src-main/base/app-error';
import { createRouter } from '../../../src-main/api/router';
import type { Handlers } from '../../../src-main/api/router';
import { redactErrors } from '../../../src-main/vault/redact-errors';
import { SecretRedactor } from '../../../src-main/vault/redactor';

describe('errors leaving the router', () => {
  it('never carry a secret the process has decrypted, in the message or the hint', async () => {
    const redactor = new SecretRedactor();
    const secret = 'db-Password.7f3a9c1e5b2d';
    redactor.add(secret);
    const handlers = {
      'settings.get': () => {
        throw new AppError(
          'UNAVAILABLE',
          `mysql: Access denied for user 'shop' (using password: ${secret})`,
          {
            hint: `Check that ${secret} is still the site's password.`,
          },
        );
      },
    } as unknown as Handlers;
    const router = redactErrors(
      createRouter(handlers, { audit: () => undefined, log: () => undefined }),
      redactor.redact,
    );
    const r = await router.dispatch('settings.get', {}, { actor: 'ui' });
    expect(r).toEqual({
      ok: false,
      error: {
        code: 'UNAVAILABLE',
        message: "mysql: Access denied for user 'shop' (using password: [secret])",
        hint: "Check that [secret] is still the site's password.",
      },
    });
  });

  it('leave values untouched: a reveal the operator asked for still shows the secret', async () => {
    const redactor = new SecretRedactor();
    redactor.add('visible-on-purpose-1234');
    const handlers = { 'settings.get': () => ({ value: 'visible-on-purpose-1234' }) } as unknown as Handlers;
    const router = redactErrors(
      createRouter(handlers, { audit: () => undefined, log: () => undefined }),
      redactor.redact,
    );
    expect(await router.dispatch('settings.get', {}, { actor: 'ui' })).toEqual({
      ok: true,
      value: { value: 'visible-on-purpose-1234' },
    });
  });
});
