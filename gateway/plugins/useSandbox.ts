// Apollo Sandbox for people: a browser's GET /graphql (Accept: text/html) gets the embedded
// Sandbox page pointed at this gateway. Development only: server.ts leaves the plugin out in
// production, where the same request is an ordinary (failing) GraphQL GET.
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';

export const SANDBOX_SCRIPT_URL = 'https://embeddable-sandbox.cdn.apollographql.com/_latest/embeddable-sandbox.umd.production.min.js';

export interface SandboxOptions {
  /** Path of the GraphQL endpoint. @default '/graphql' */
  path?: string;
  /**
   * The URL Sandbox sends operations to.
   * @default the URL the browser used (origin + path), which is right behind a proxy too
   */
  endpoint?: string;
}

/** `"` `<` `>` `&` escaped, so a Host header cannot inject markup into the page. */
function asScriptString(value: string): string {
  return JSON.stringify(value).replace(/[<>&]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function sandboxPage(endpoint: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Plantgraph – Apollo Sandbox</title>
  <style>html, body, #sandbox { height: 100%; margin: 0; }</style>
</head>
<body>
  <div id="sandbox"></div>
  <script src="${SANDBOX_SCRIPT_URL}"></script>
  <script>
    // Tokens: npm run token -- --role planner, then set the Authorization header in Sandbox.
    new window.EmbeddedSandbox({ target: '#sandbox', initialEndpoint: ${asScriptString(endpoint)}, includeCookies: false });
  </script>
</body>
</html>`;
}

export function useSandbox(options: SandboxOptions = {}): GatewayPlugin {
  const path = options.path ?? '/graphql';
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== 'GET' || url.pathname !== path) return;
      if (!(request.headers.get('accept') ?? '').includes('text/html') || url.searchParams.has('query')) return;
      const endpoint = options.endpoint ?? `${url.origin}${path}`;
      endResponse(new fetchAPI.Response(sandboxPage(endpoint), { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' } }));
    },
  };
}
