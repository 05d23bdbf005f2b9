/**
 * The Content-Security-Policy of the studio's page, the same in the desktop app and in
 * browser mode: nothing but the page's own origin runs or loads. Only where the page may
 * connect differs (browser mode adds its event WebSocket).
 */
export function pageContentSecurityPolicy(extraConnectSources: readonly string[] = []): string {
  return [
    "default-src 'self'",
    "img-src 'self' blob: data:",
    ["connect-src 'self'", ...extraConnectSources].join(' '),
    // Svelte sets element styles at run time; styles cannot run code.
    "style-src 'self' 'unsafe-inline'",
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}
