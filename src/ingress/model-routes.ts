const MODEL_ROUTES = ['/v1/chat/completions', '/v1/messages']

/** Routes that call providers (each ingress protocol's), as opposed to probes, listings and the admin API. */
export function isModelRoute (url: string | undefined): boolean {
  return url !== undefined && MODEL_ROUTES.some((route) => url.startsWith(route))
}
