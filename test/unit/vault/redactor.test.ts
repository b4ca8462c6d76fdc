import { describe, expect, it } from 'vitest';
import { SecretRedactor } from '../../../src-main/vault/redactor';

const redactorKnowing = (...values: string[]) => {
  const redactor = new SecretRedactor();
  for (const v of values) redactor.add(v);
  return redactor;
};

describe('redactor', () => {
  it('replaces every occurrence of a known value with [secret]', () => {
    const r = redactorKnowing('hunter2-Zx9!');
    expect(r.redact('pw=hunter2-Zx9! again hunter2-Zx9!')).toBe('pw=[secret] again [secret]');
  });

  it('leaves text without a known value unchanged', () => {
    const r = redactorKnowing('hunter2-Zx9!');
    expect(r.redact('nothing to hide here')).toBe('nothing to hide here');
  });

  it('replaces each of several known values', () => {
    const r = redactorKnowing('alpha-secret', 'bravo-secret');
    expect(r.redact('alpha-secret / bravo-secret')).toBe('[secret] / [secret]');
  });

  it('treats values literally, not as patterns', () => {
    const r = redactorKnowing('a.b*c+(d)$');
    expect(r.redact('x a.b*c+(d)$ y aXbbbc+d')).toBe('x [secret] y aXbbbc+d');
  });

  it('ignores values shorter than 4 characters, which would blank ordinary words', () => {
    const r = redactorKnowing('abc');
    expect(r.redact('abc abcd')).toBe('abc abcd');
    expect(redactorKnowing('abcd').redact('abc abcd')).toBe('abc [secret]');
  });

  it('knows each line of 16+ characters of a multi-line value, so a key logged line by line is blanked', () => {
    const key = [
      '-----BEGIN OPENSSH PRIVATE KEY-----',
      'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
      'QyNTUxOQAAACArROH/i0q1mnq5i09YpS673uQYoslUlfV+I+6qORbBrQAAAIj2xjCU9sYw',
      'short-line',
      '-----END OPENSSH PRIVATE KEY-----',
    ].join('\n');
    const r = redactorKnowing(key);
    expect(r.redact(key)).toBe('[secret]');
    const lines = key.split('\n').map((line) => r.redact(line));
    expect(lines).toEqual(['[secret]', '[secret]', '[secret]', 'short-line', '[secret]']);
  });

  it('splits CRLF values into lines too', () => {
    const r = redactorKnowing('first-line-of-the-secret\r\nsecond-line-of-the-secret');
    expect(r.redact('got second-line-of-the-secret')).toBe('got [secret]');
    expect(r.redact('got first-line-of-the-secret')).toBe('got [secret]');
  });

  it('works as a detached function (the job service receives redactor.redact)', () => {
    const r = redactorKnowing('hunter2-Zx9!');
    const { redact } = r;
    expect(['a hunter2-Zx9!'].map(redact)).toEqual(['a [secret]']);
  });

  // Regression (fixed): src-main/vault/redactor.ts redact() (lines 19-21) replaces values in the order they were
  // added. When a shorter known value is part of a longer one and was added first, the shorter one is
  // replaced inside the longer one, which then no longer matches: the rest of the longer secret is
  // left in the text. Replacing longest values first would fix it.
  it('blanks all of a secret that contains a shorter known value added before it', () => {
    const r = redactorKnowing('shop', 'shop-Xk29!pass-2024');
    expect(r.redact('password shop-Xk29!pass-2024')).toBe('password [secret]');
  });
});
