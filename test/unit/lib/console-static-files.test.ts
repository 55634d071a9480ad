import { describe, expect, it } from 'vitest'
import {
  consoleIndexHtml,
  consoleSettingsFrom,
  serveConsole,
} from '../../../lib/console/static-files.ts'
import { binaryMediaTypes, deliveredBody } from '../../../lib/http/binary-media.ts'

const settings = consoleSettingsFrom({
  consoleClientId: 'console-app',
  token: { tokenUrl: 'https://login.example.com/oauth2/token', adminScope: 'admin' },
})
const files = new Map([
  ['index.html', Buffer.from(consoleIndexHtml({ script: 'app-ABC.js', style: 'app-DEF.css' }))],
  ['app-ABC.js', Buffer.from('console.log("é → ✓")')],
  ['app-DEF.css', Buffer.from('body{content:"é"}')],
])
/** What API Gateway sends the browser: the REST API has no binary media types. */
const text = (answer: { body: string; isBase64Encoded: boolean }, accept = 'text/html') =>
  String(deliveredBody(answer, accept, binaryMediaTypes))

describe('operator console files', () => {
  it('serves the page for any path but a file, its script named under the stage, with a strict CSP', () => {
    // Act
    const answers = [undefined, 'callback', 'agents/weather'].map((file) =>
      serveConsole({ file, basePath: '/prod' }, files, settings),
    )

    // Assess
    for (const answer of answers) {
      expect(answer.statusCode).toBe(200)
      expect(answer.headers['content-type']).toContain('text/html')
      expect(text(answer)).toContain('<script type="module" src="/prod/console/app-ABC.js">')
      expect(text(answer)).not.toMatch(/<script>|<style>| on[a-z]+=/)
      const policy = answer.headers['content-security-policy']
      expect(policy).toContain("default-src 'self'")
      expect(policy).toContain("script-src 'self'")
      expect(policy).toContain("frame-ancestors 'none'")
      expect(policy).toContain("connect-src 'self' https://login.example.com")
      expect(policy).not.toContain('unsafe')
    }
  })

  it('serves a hashed file to be cached for good, and a missing one as a 404 naming it', () => {
    // Act
    const script = serveConsole({ file: 'app-ABC.js', basePath: '' }, files, settings)
    const missing = serveConsole({ file: 'app-OLD.js', basePath: '' }, files, settings)

    // Assess
    expect(script.headers['content-type']).toContain('text/javascript')
    expect(script.headers['cache-control']).toContain('immutable')
    expect(text(script)).toBe('console.log("é → ✓")')
    expect(missing.statusCode).toBe(404)
    expect(missing.body).toContain('app-OLD.js')
  })

  it('answers every file as the UTF-8 text API Gateway passes through, never base64 it would send as is', () => {
    // Act
    const answers = [undefined, 'index.html', 'app-ABC.js', 'app-DEF.css', 'config.json'].map(
      (file) => serveConsole({ file, basePath: '' }, files, settings),
    )

    // Assess: what the browser gets, under any Accept, is the file itself.
    for (const answer of answers) {
      expect(answer.statusCode).toBe(200)
      expect(answer.isBase64Encoded).toBe(false)
      for (const accept of ['text/html', '*/*', 'image/png']) {
        expect(text(answer, accept)).toBe(answer.body)
      }
    }
    expect(answers.map((answer) => answer.body)).toEqual([
      expect.stringContaining('<!doctype html>'),
      expect.stringContaining('<!doctype html>'),
      'console.log("é → ✓")',
      'body{content:"é"}',
      expect.stringContaining('"clientId":"console-app"'),
    ])
  })

  it('serves /console/index.html as /console: the stage path filled in, and not cached for good', () => {
    // Act
    const direct = serveConsole({ file: 'index.html', basePath: '/prod' }, files, settings)
    const page = serveConsole({ file: undefined, basePath: '/prod' }, files, settings)

    // Assess
    expect(direct.body).toBe(page.body)
    expect(direct.body).not.toContain('{base}')
    expect(direct.body).toContain('src="/prod/console/app-ABC.js"')
    expect(direct.headers['cache-control']).toBe('no-cache')
  })

  it('serves the sign-in settings: the authorize endpoint beside the token endpoint', () => {
    // Act
    const answer = serveConsole({ file: 'config.json', basePath: '' }, files, settings)

    // Assess
    expect(answer.headers['cache-control']).toBe('no-store')
    expect(JSON.parse(answer.body)).toEqual({
      clientId: 'console-app',
      authorizeUrl: 'https://login.example.com/oauth2/authorize',
      tokenUrl: 'https://login.example.com/oauth2/token',
      logoutUrl: 'https://login.example.com/logout',
      adminScope: 'admin',
    })
  })

  it('says the console is not built, rather than answering an empty page', () => {
    // Act
    const answer = serveConsole({ file: undefined, basePath: '' }, new Map(), settings)

    // Assess
    expect(answer.statusCode).toBe(503)
    expect(answer.body).toContain('npm run build')
  })
})
