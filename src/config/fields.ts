import { z } from 'zod';

/**
 * Field parsers shared by the configuration areas. Each reads one environment variable (a string
 * or nothing). A bad value is reported as a continuable issue and replaced by the field's default,
 * so the area's cross-field rules still run and every problem is listed in one message.
 */

export type Env = Record<string, string | undefined>;

type Ctx = z.core.$RefinementCtx;

function reject(ctx: Ctx, message: string): void {
  ctx.addIssue({ code: 'custom', message, continue: true });
}

/** Trimmed text; empty counts as unset. */
export const text = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

/** Text that must be set, with `missing` saying where to find it; `check` validates a present value. */
export function required(missing: string, check?: { test: (v: string) => boolean; message: string }) {
  return text.transform((v, ctx) => {
    if (v === undefined) reject(ctx, missing);
    else if (check && !check.test(v)) reject(ctx, check.message);
    return v ?? '';
  });
}

/** Optional text; when set, `problemWith` says what is wrong with it, or nothing. */
export function validated(problemWith: (v: string) => string | undefined) {
  return text.transform((v, ctx) => {
    const message = v === undefined ? undefined : problemWith(v);
    if (message !== undefined) reject(ctx, message);
    return v;
  });
}

/** Optional text that must pass `test` when set. */
export function checked(test: (v: string) => boolean, message: string) {
  return validated((v) => (test(v) ? undefined : message));
}

/** One of a fixed list, or unset. */
export function oneOf<const T extends string>(values: readonly T[], message: string) {
  return text.transform((v, ctx): T | undefined => {
    if (v === undefined) return undefined;
    if ((values as readonly string[]).includes(v)) return v as T;
    reject(ctx, message);
    return undefined;
  });
}

/** The one boolean reader: true/false, 1/0, yes/no in any case; unset is false. */
export const flag = text.transform((v, ctx) => {
  const s = v?.toLowerCase();
  if (s === undefined) return false;
  if (['true', '1', 'yes'].includes(s)) return true;
  if (!['false', '0', 'no'].includes(s)) reject(ctx, 'must be true or false');
  return false;
});

function numberIn(def: number, min: number, max: number, whole: boolean) {
  return text.transform((v, ctx) => {
    if (v === undefined) return def;
    const n = Number(v);
    if ((whole ? Number.isInteger(n) : Number.isFinite(n)) && n >= min && n <= max) return n;
    reject(ctx, `must be a ${whole ? 'whole number' : 'number'} from ${min} to ${max} (got "${v}")`);
    return def;
  });
}

export const wholeNumber = (def: number, min: number, max: number) => numberIn(def, min, max, true);
export const decimal = (def: number, min: number, max: number) => numberIn(def, min, max, false);

function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

export const httpUrl = validated((v) => (isHttpUrl(v) ? undefined : `must be an http(s) URL (got "${v}")`));

/** Comma-separated values, trimmed, empties dropped. */
export const commaList = text.transform((v) => (v ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0));

/** A value that a domain parser accepts (it throws a message that says what is wrong). */
export function parsedBy<T>(parse: (v: string | undefined) => T, fallback: T) {
  return text.transform((v, ctx) => {
    try {
      return parse(v);
    } catch (err) {
      reject(ctx, (err as Error).message);
      return fallback;
    }
  });
}

/**
 * For cross-field rules (`superRefine` on the parsed values): report a problem under `name`, which
 * may list several variables ("A, B").
 */
export function problem(ctx: Ctx, name: string, message: string): void {
  ctx.addIssue({ code: 'custom', path: [name], message, continue: true });
}

/** True when none of `names` has a problem yet, so a rule across them would only repeat it. */
export function allValid(ctx: { issues: readonly { path?: readonly PropertyKey[] }[] }, ...names: string[]): boolean {
  return !ctx.issues.some((i) => names.includes(String(i.path?.[0])));
}
