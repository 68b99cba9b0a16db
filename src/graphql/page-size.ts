import { badInput } from './errors';

/** A page's rows when `first` is not given. */
export const DEFAULT_PAGE_SIZE = 50;
/** The most rows a page holds: a larger `first` is bad input (and the cost limit counts a page as at most this). */
export const MAX_PAGE_SIZE = 1000;

/** The rows a page asks for: `first`, or the default; bad input naming `first` outside 0–`MAX_PAGE_SIZE`. */
export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) throw badInput('first', `must be a whole number from 0 to ${MAX_PAGE_SIZE}`);
  return first;
}
