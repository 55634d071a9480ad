/**
 * The operator console's static files as the gateway serves them at /console
 * (handlers/console.ts): the page, its hashed script and style, and the
 * settings the page reads at start (where people sign in). Pure: files in,
 * an HTTP answer out.
 */

/** What the console's page reads from /console/config.json before anything else. */
export interface ConsoleSettings {
  /** The OAuth app client people sign in with (authorization code + PKCE, no secret). */
  clientId: string
  /** Where the browser is sent to sign in: Cognito managed login, or the local identity. */
  authorizeUrl: string
  /** Where the page trades the code for tokens. */
  tokenUrl: string
  /**
   * Where Sign out sends the browser, to end the sign-in session too (Cognito's `/logout`, beside
   * the token endpoint): else the next Sign in on that browser would let the last person in.
   */
  logoutUrl: string
  /** The admin scope's name as the gateway grants it (without the resource-server prefix). */
  adminScope: string
}

export interface ConsoleAnswer {
  statusCode: number
  headers: Record<string, string>
  body: string
  isBase64Encoded: boolean
}

/**
 * Nothing but this origin's own files: no inline script or style, no CDN, no
 * framing. `connect-src` adds the token endpoint's origin (Cognito's domain on AWS).
 */
export const contentSecurityPolicy = (tokenUrl: string) =>
  [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${new URL(tokenUrl).origin}`,
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ')

/** Where the page's own URLs begin; filled in per request (the stage's path on AWS). */
export const basePlaceholder = '{base}'

/** The console's one page: a shell that loads the hashed script and style. */
export const consoleIndexHtml = ({
  script,
  style,
}: {
  script: string
  style?: string | undefined
}) =>
  `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Switchboard console</title>
${style ? `<link rel="stylesheet" href="${basePlaceholder}/console/${style}">\n` : ''}<script type="module" src="${basePlaceholder}/console/${script}"></script>
</head>
<body>
<div id="app"><noscript>The Switchboard console needs JavaScript.</noscript></div>
</body>
</html>
`

/**
 * What the console is built of (scripts/build-console.ts), all text. Served as
 * UTF-8 text with `isBase64Encoded: false`: the REST API has no binary media
 * types (lib/http/binary-media.ts), so API Gateway would hand a base64 body to
 * the browser as it is. A binary file would need its type there and in Terraform.
 */
const contentTypes: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json',
  map: 'application/json',
  svg: 'image/svg+xml',
}

const extensionOf = (file: string) => /\.([a-z0-9]+)$/.exec(file)?.[1]

/**
 * The answer to `GET /console/<file>`: a built file by its name (hashed names
 * cached for good), the settings, or the page itself for `index.html` and any
 * other path (the sign-in callback, a reload on a page of the console), its
 * base filled in and never cached for good. A missing asset is a 404.
 * `basePath` is the gateway's path prefix (`/prod` behind a stage, '' locally).
 *
 * @example
 * serveConsole({ file: 'app-3F2A.js', basePath: '/prod' }, files, settings)
 */
export const serveConsole = (
  { file, basePath }: { file: string | undefined; basePath: string },
  files: ReadonlyMap<string, Buffer>,
  settings: ConsoleSettings,
): ConsoleAnswer => {
  const security = {
    'content-security-policy': contentSecurityPolicy(settings.tokenUrl),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
  }
  const plain = (statusCode: number, body: string): ConsoleAnswer => ({
    statusCode,
    headers: { ...security, 'content-type': 'text/plain; charset=utf-8' },
    body,
    isBase64Encoded: false,
  })
  const name = file ?? ''
  if (name === 'config.json') {
    return {
      statusCode: 200,
      headers: { ...security, 'content-type': 'application/json', 'cache-control': 'no-store' },
      body: JSON.stringify(settings),
      isBase64Encoded: false,
    }
  }
  const extension = extensionOf(name)
  const isPage = extension === undefined || name === 'index.html'
  if (!isPage) {
    const asset = files.get(name)
    const type = contentTypes[extension]
    if (!asset || !type) return plain(404, `No console file named ${name}.`)
    return {
      statusCode: 200,
      headers: {
        ...security,
        'content-type': type,
        'cache-control': 'public, max-age=31536000, immutable',
      },
      body: asset.toString('utf8'),
      isBase64Encoded: false,
    }
  }
  const index = files.get('index.html')
  if (!index) return plain(503, 'The console is not built: run `npm run build`.')
  return {
    statusCode: 200,
    headers: {
      ...security,
      'content-type': contentTypes.html as string,
      'cache-control': 'no-cache',
    },
    body: index.toString('utf8').replaceAll(basePlaceholder, basePath),
    isBase64Encoded: false,
  }
}

/**
 * The settings from the gateway's configuration: the authorize endpoint sits
 * beside the token endpoint (Cognito's domain, or the local identity).
 */
export const consoleSettingsFrom = (config: {
  consoleClientId: string
  token: { tokenUrl: string; adminScope: string }
}): ConsoleSettings => ({
  clientId: config.consoleClientId,
  authorizeUrl: config.token.tokenUrl.replace(/\/oauth2\/token$/, '/oauth2/authorize'),
  tokenUrl: config.token.tokenUrl,
  logoutUrl: config.token.tokenUrl.replace(/\/oauth2\/token$/, '/logout'),
  adminScope: config.token.adminScope,
})
