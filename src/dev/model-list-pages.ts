// Simulated model lists are cut into short pages, whatever page size is asked for, so that every client (the
// gateway's discovery, an SDK, the demo) walks the page tokens as it must against the real, much longer lists.
export const SIMULATED_PAGE_CAP = 4

/** A page of `items` from the offset a token names (none: the start), and the token of the next page. */
export function pageOf<T> (items: readonly T[], token: string | null, asked: number | undefined): { page: T[], next: string | undefined } {
  const offset = token === null ? 0 : Number(/^o(\d{1,6})$/.exec(Buffer.from(token, 'base64url').toString())?.[1] ?? Number.NaN)
  const start = Number.isInteger(offset) ? offset : 0
  const size = Math.max(1, Math.min(SIMULATED_PAGE_CAP, asked ?? SIMULATED_PAGE_CAP))
  const end = start + size
  return { page: items.slice(start, end), next: end < items.length ? Buffer.from(`o${end}`).toString('base64url') : undefined }
}
