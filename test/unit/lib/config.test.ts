import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig, loadLocalConfig } from '../../../lib/config.ts'

describe('config', () => {
  it('derives the JWKS and token URLs from the issuer, Cognito style', () => {
    // Act
    const config = loadConfig({
      TOKEN_ISSUER: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc',
    })

    // Assess
    expect(config.token.jwksUrl).toBe(
      'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc/.well-known/jwks.json',
    )
    expect(config.mode).toBe('aws')
    expect(config.backendTimeoutMs).toBe(30_000)
  })

  it('gives an AWS request 5 s an attempt on AWS, 10 s in local mode on a busy laptop, or what AWS_REQUEST_TIMEOUT_MS says', () => {
    // Prepare
    const issuer = { TOKEN_ISSUER: 'https://id.example.com' }

    // Act
    const onAws = loadConfig(issuer)
    const local = loadConfig({ ...issuer, SWITCHBOARD_MODE: 'local' })
    const set = loadConfig({ ...issuer, SWITCHBOARD_MODE: 'local', AWS_REQUEST_TIMEOUT_MS: '800' })

    // Assess
    expect([onAws, local, set].map((config) => config.awsRequestTimeoutMs)).toEqual([
      5_000, 10_000, 800,
    ])
    expect(() => loadConfig({ ...issuer, AWS_REQUEST_TIMEOUT_MS: '0' })).toThrow(
      /AWS_REQUEST_TIMEOUT_MS="0" is invalid/,
    )
  })

  it('fails at start with a message naming the missing variable', () => {
    // Assess
    expect(() => loadConfig({})).toThrow(/TOKEN_ISSUER is required/)
  })

  it('says a blank variable it needs is missing, as a blank one is unset', () => {
    // Act: an env file's `TOKEN_ISSUER=  ` line, and an embedding server's URL left blank
    const problems = (env: NodeJS.ProcessEnv) => {
      try {
        loadConfig(env)
        return []
      } catch (error) {
        return (error as ConfigError).problems
      }
    }

    // Assess: told to set it, not that a blank is a wrong URL
    expect(problems({ TOKEN_ISSUER: '  ' })).toEqual([
      expect.stringMatching(/^TOKEN_ISSUER is required: /),
    ])
    expect(
      problems({
        TOKEN_ISSUER: 'https://id.example.com',
        EMBEDDER: 'openai',
        EMBEDDING_URL: ' ',
        EMBEDDING_MODEL: 'nomic-embed-text',
      }),
    ).toEqual([expect.stringMatching(/^EMBEDDING_URL is required: EMBEDDER=openai needs/)])
  })

  it('names the variable and the value it refused', () => {
    // Act
    const error = (() => {
      try {
        loadConfig({ TOKEN_ISSUER: 'https://id.example.com', BACKEND_TIMEOUT_MS: 'soon' })
      } catch (caught) {
        return caught
      }
    })()

    // Assess
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).problems).toEqual([
      expect.stringMatching(/^BACKEND_TIMEOUT_MS="soon" is invalid/),
    ])
  })

  it("routes at the configured embedder's precision-first threshold unless ROUTE_MIN_SCORE and ROUTE_MIN_MARGIN say otherwise", () => {
    // Prepare
    const issuer = { TOKEN_ISSUER: 'https://id.example.com' }

    // Act
    const local = loadConfig({ ...issuer, SWITCHBOARD_MODE: 'local', EMBEDDER: 'local' })
    const bedrock = loadConfig({ ...issuer, EMBEDDER: 'bedrock' })
    const chosen = loadConfig({
      ...issuer,
      SWITCHBOARD_MODE: 'local',
      EMBEDDER: 'local',
      ROUTE_MIN_SCORE: '0.35',
      ROUTE_MIN_MARGIN: '0',
    })

    // Assess
    expect(local.discovery.routeThreshold).toEqual({ minScore: 0.15, minMargin: 0.05 })
    expect(bedrock.discovery.routeThreshold).toEqual({ minScore: 0.2, minMargin: 0.05 })
    expect(chosen.discovery.routeThreshold).toEqual({ minScore: 0.35, minMargin: 0 })
    expect(() => loadConfig({ ...issuer, EMBEDDER: 'glove' })).toThrow(
      /EMBEDDER="glove" is invalid/,
    )
  })

  it('refuses on AWS the local embedder, whose model files are not in the Lambda zips, and takes the others there', () => {
    // Prepare
    const issuer = { TOKEN_ISSUER: 'https://id.example.com' }
    const problems = (env: NodeJS.ProcessEnv) => {
      try {
        loadConfig(env)
        return []
      } catch (caught) {
        return (caught as ConfigError).problems
      }
    }

    // Act
    const onAws = problems({ ...issuer, SWITCHBOARD_MODE: 'aws', EMBEDDER: 'local' })
    const byDefault = problems({ ...issuer, EMBEDDER: ' local ' })
    const onLaptop = problems({ ...issuer, SWITCHBOARD_MODE: 'local', EMBEDDER: 'local' })
    const hashing = problems({ ...issuer, EMBEDDER: 'hashing' })

    // Assess: named at start, not a 503 on the first search.
    expect(onAws).toEqual([
      expect.stringMatching(
        /^EMBEDDER="local" is invalid: must not be local with SWITCHBOARD_MODE=aws: .*model files \(lib\/discovery\/local\/\) are not in the Lambda zips/,
      ),
    ])
    expect(byDefault).toEqual(onAws.map((problem) => problem.replace('"local"', '" local "')))
    // The hashing baseline is code alone (node:crypto): it ships in the zips.
    expect([onLaptop, hashing]).toEqual([[], []])
  })

  it('refuses a dimension the local embedder cannot hash into at start, not as an unindexed agent and a 503 on every search', () => {
    // Prepare
    const laptop = { TOKEN_ISSUER: 'https://id.example.com', SWITCHBOARD_MODE: 'local' }

    // Act
    const smallest = loadConfig({ ...laptop, EMBEDDER: 'local', EMBEDDING_DIMENSION: '256' })
    const hashing = loadConfig({ ...laptop, EMBEDDER: 'hashing', EMBEDDING_DIMENSION: '128' })

    // Assess
    expect(() => loadConfig({ ...laptop, EMBEDDER: 'local', EMBEDDING_DIMENSION: '128' })).toThrow(
      /EMBEDDING_DIMENSION="128" is invalid: must be 256 or more with EMBEDDER=local/,
    )
    expect([smallest.discovery.dimension, hashing.discovery.dimension]).toEqual([256, 128])
  })

  it('configures an OpenAI-compatible embedding server by URL, model and dimension, and says what is missing', () => {
    // Prepare
    const issuer = { TOKEN_ISSUER: 'https://id.example.com' }

    // Act
    const ollama = loadConfig({
      ...issuer,
      EMBEDDER: 'openai',
      EMBEDDING_URL: 'http://127.0.0.1:11434',
      EMBEDDING_MODEL: 'nomic-embed-text',
      EMBEDDING_DIMENSION: '768',
    })
    const missing = (() => {
      try {
        loadConfig({ ...issuer, EMBEDDER: 'openai' })
      } catch (caught) {
        return (caught as ConfigError).problems
      }
    })()

    // Assess
    expect(ollama.discovery).toMatchObject({
      embedder: 'openai',
      dimension: 768,
      server: { url: 'http://127.0.0.1:11434', model: 'nomic-embed-text', batchSize: 32 },
      routeThreshold: { minScore: 0.5, minMargin: 0.05 },
    })
    expect(missing).toEqual([
      expect.stringMatching(
        /^EMBEDDING_URL is required: EMBEDDER=openai needs the embedding server's base URL/,
      ),
      expect.stringMatching(/^EMBEDDING_MODEL is required: EMBEDDER=openai needs the model/),
    ])
    expect(() => loadConfig({ ...issuer, EMBEDDING_DIMENSION: '768' })).toThrow(
      /EMBEDDING_DIMENSION="768" is invalid: must be 256, 512 or 1024 with EMBEDDER=bedrock/,
    )
  })

  it.each(['10.0.0.0/99', '192.168.1.300/24', 'fe80::/200', '10.0.0.0', '10.0.0.0/8/8', 'lan'])(
    'refuses BACKEND_ALLOWED_CIDRS holding %s, naming the variable, on AWS and under npm start',
    (block) => {
      // Prepare
      const env = {
        TOKEN_ISSUER: 'https://id.example.com',
        BACKEND_ALLOWED_CIDRS: `127.0.0.0/8,${block}`,
      }

      // Assess: refused at start-up, not by the handlers' import with a RangeError.
      expect(() => loadConfig(env)).toThrow(
        /BACKEND_ALLOWED_CIDRS=".*" is invalid: must be CIDR blocks/,
      )
      expect(() => loadLocalConfig(env)).toThrow(/BACKEND_ALLOWED_CIDRS=".*" is invalid/)
    },
  )

  it('takes IPv4 and IPv6 CIDR blocks in BACKEND_ALLOWED_CIDRS', () => {
    // Act
    const config = loadLocalConfig({
      BACKEND_ALLOWED_CIDRS: '10.0.0.0/8, fd00::/8,192.168.1.7/32,10.2.0.0/016,fd00:0db8::/32',
    })

    // Assess: a prefix written with a leading zero is read as Terraform's cidrhost reads it.
    expect(config.backendAllowedCidrs).toEqual([
      '10.0.0.0/8',
      'fd00::/8',
      '192.168.1.7/32',
      '10.2.0.0/016',
      'fd00:0db8::/32',
    ])
  })

  it('refuses a port out of range for the local runtime', () => {
    // Assess
    expect(() => loadLocalConfig({ PORT: '70000' })).toThrow(/PORT="70000" is invalid/)
  })

  it('refuses a registry cache TTL that would serve a deleted agent a second later', () => {
    // Prepare
    const issuer = { TOKEN_ISSUER: 'https://id.example.com' }

    // Act
    const atMost = loadConfig({ ...issuer, REGISTRY_CACHE_TTL_MS: '900' })

    // Assess
    expect(atMost.registryCacheTtlMs).toBe(900)
    expect(() => loadConfig({ ...issuer, REGISTRY_CACHE_TTL_MS: '1000' })).toThrow(
      /REGISTRY_CACHE_TTL_MS="1000" is invalid/,
    )
  })

  it('refuses a request body limit past what Lambda takes, which no request could reach', () => {
    // Prepare
    const issuer = { TOKEN_ISSUER: 'https://id.example.com' }

    // Act and assess
    expect(loadConfig({ ...issuer, MAX_REQUEST_BYTES: '6291456' }).maxRequestBytes).toBe(6291456)
    expect(() => loadConfig({ ...issuer, MAX_REQUEST_BYTES: '20000000' })).toThrow(
      /MAX_REQUEST_BYTES="20000000" is invalid: must be at most 6291456, Lambda's own limit on a request/,
    )
  })

  it('reads an empty ALLOWED_CLIENT_IDS as any client, and derives the resource server from the scope prefix', () => {
    // Prepare
    const issuer = { TOKEN_ISSUER: 'https://id.example.com' }

    // Act
    const any = loadConfig({
      ...issuer,
      ALLOWED_CLIENT_IDS: '',
      COGNITO_USER_POOL_ID: 'us-east-1_Abc1',
    })
    const listed = loadConfig({ ...issuer, ALLOWED_CLIENT_IDS: 'a,b' })

    // Assess
    expect(any.token.allowedClientIds).toBeUndefined()
    expect(listed.token.allowedClientIds).toEqual(['a', 'b'])
    expect(any.callers).toEqual({
      userPoolId: 'us-east-1_Abc1',
      resourceServerIdentifier: 'switchboard',
      identityFile: undefined,
      managedClientIds: [],
      tokenValidityMinutes: 60,
    })
    expect(() => loadConfig({ ...issuer, COGNITO_USER_POOL_ID: 'pool' })).toThrow(
      /COGNITO_USER_POOL_ID/,
    )
  })

  it("reads MANAGED_CLIENT_IDS as Terraform's client ids, and refuses what is no client id", () => {
    // Prepare
    const issuer = { TOKEN_ISSUER: 'https://id.example.com' }

    // Act
    const managed = loadConfig({ ...issuer, MANAGED_CLIENT_IDS: '4abc, 5def,' })

    // Assess
    expect(managed.callers.managedClientIds).toEqual(['4abc', '5def'])
    expect(() => loadConfig({ ...issuer, MANAGED_CLIENT_IDS: 'admin client' })).toThrow(
      /MANAGED_CLIENT_IDS/,
    )
  })

  it("limits a push's attempts by PUSH_WEBHOOK_TIMEOUT_MS, not by the agents' BACKEND_TIMEOUT_MS", () => {
    // Act
    const config = loadConfig({
      TOKEN_ISSUER: 'https://id.example.com',
      BACKEND_TIMEOUT_MS: '900000',
    })

    // Assess
    expect(config.push.webhookTimeoutMs).toBe(10_000)
  })

  it('refuses push delivery settings whose attempts and waits could outlast the push-delivery function, naming each', () => {
    // Prepare
    const issuer = { TOKEN_ISSUER: 'https://id.example.com' }
    const problemsOf = (env: Record<string, string>) => {
      try {
        loadConfig({ ...issuer, ...env })
        return []
      } catch (caught) {
        return (caught as ConfigError).problems
      }
    }

    // Act
    const slowWebhook = problemsOf({ PUSH_WEBHOOK_TIMEOUT_MS: '60000' })
    const manyAttempts = problemsOf({ PUSH_DELIVERY_ATTEMPTS: '10' })
    const longest = problemsOf({ PUSH_WEBHOOK_TIMEOUT_MS: '53000' })

    // Assess: 5 x 60 s + 1 + 2 + 4 + 8 s; 10 x 10 s + 1 + 2 + ... + 256 s; 5 x 53 s + 15 s fits.
    expect(slowWebhook).toEqual([
      expect.stringContaining(
        'PUSH_DELIVERY_ATTEMPTS=5 attempts of PUSH_WEBHOOK_TIMEOUT_MS=60000, waiting from PUSH_RETRY_BASE_MS=1000 doubling between them, may take 315000 ms: more than the 280000 ms',
      ),
    ])
    expect(manyAttempts).toEqual([expect.stringMatching(/PUSH_DELIVERY_ATTEMPTS=10 .* 611000 ms/)])
    expect(longest).toEqual([])
  })

  /** The problems a ConfigError lists for `env`, or none. */
  const problemsOf = (
    env: Record<string, string>,
    load: (env: NodeJS.ProcessEnv) => unknown = loadConfig,
  ) => {
    try {
      load(env)
      return []
    } catch (caught) {
      return (caught as ConfigError).problems
    }
  }

  it.each([
    'BACKEND_TIMEOUT_MS',
    'CARD_FETCH_TIMEOUT_MS',
    'STREAM_KEEPALIVE_MS',
    'STREAM_IDLE_TIMEOUT_MS',
    'EMBEDDING_TIMEOUT_MS',
    'READY_TIMEOUT_MS',
    'AWS_REQUEST_TIMEOUT_MS',
  ])('refuses a %s longer than a timer can wait, which would fire at once', (name) => {
    // Prepare: 2^31 ms (24.8 days) and more, Node.js runs a timer after 1 ms instead.
    const issuer = { TOKEN_ISSUER: 'https://id.example.com' }

    // Act
    const longest = loadConfig({ ...issuer, [name]: '2147483647' })
    const tooLong = problemsOf({ ...issuer, [name]: '3000000000' })

    // Assess
    expect(longest).toBeDefined()
    expect(tooLong).toEqual([
      `${name}="3000000000" is invalid: must be a whole number of milliseconds from 1 to 2147483647 (24.8 days, the longest a timer waits)`,
    ])
  })

  it('says what a number setting wants, once, whatever was wrong with it', () => {
    // Prepare
    const issuer = { TOKEN_ISSUER: 'https://id.example.com' }

    // Act
    const port = ['abc', '1e99', '-1', '80.5'].map((given) =>
      problemsOf({ PORT: given }, loadLocalConfig),
    )
    const rate = problemsOf({ ...issuer, RATE_LIMIT_PER_MINUTE: 'abc' })
    const score = problemsOf({ ...issuer, ROUTE_MIN_SCORE: 'high' })

    // Assess
    expect(port).toEqual(
      ['abc', '1e99', '-1', '80.5'].map((given) => [
        `PORT="${given}" is invalid: must be a whole number from 0 to 65535`,
      ]),
    )
    expect(rate).toEqual([
      'RATE_LIMIT_PER_MINUTE="abc" is invalid: must be a whole number, 1 or more',
    ])
    expect(score).toEqual(['ROUTE_MIN_SCORE="high" is invalid: must be a number from -1 to 1'])
  })

  it('reads a value with spaces around it as the value, and a blank one as unset', () => {
    // Prepare: a line of an env file, a value pasted with its trailing space.
    const issuer = { TOKEN_ISSUER: ' https://id.example.com ' }

    // Act
    const config = loadConfig({
      ...issuer,
      ADMIN_SCOPE: 'admin ',
      SCOPE_PREFIX: 'switchboard/ ',
      AWS_REGION: 'eu-west-1 ',
      REGISTRY_CACHE_TTL_MS: ' ',
      ROUTE_MIN_SCORE: '  ',
    })
    const local = loadLocalConfig({ PORT: ' ', SWITCHBOARD_STATE_DIR: ' ' })

    // Assess: the admin scope a token holds, not one no token ever holds; a blank number is
    // unset (its default), never 0.
    expect(config.token).toMatchObject({
      issuer: 'https://id.example.com',
      adminScope: 'admin',
      scopePrefix: 'switchboard/',
    })
    expect(config.region).toBe('eu-west-1')
    expect(config.registryCacheTtlMs).toBe(750)
    expect(config.discovery.routeThreshold.minScore).toBe(0.2)
    expect(local.port).toBe(3000)
    expect(local.stateDir).toBe('.switchboard')
  })

  it('says a URL setting wants an http or https URL', () => {
    // Act
    const problems = ['issuer.example.com', 'ftp://issuer.example.com'].map((given) =>
      problemsOf({ TOKEN_ISSUER: given }),
    )

    // Assess
    expect(problems).toEqual([
      [
        'TOKEN_ISSUER="issuer.example.com" is invalid: must be an http:// or https:// URL, such as https://host.example.com/path',
      ],
      [
        'TOKEN_ISSUER="ftp://issuer.example.com" is invalid: must be an http:// or https:// URL, such as https://host.example.com/path',
      ],
    ])
  })

  it("names the values a setting of a few takes, in the words of the other settings, not zod's", () => {
    // Act
    const problems = problemsOf({
      TOKEN_ISSUER: 'https://id.example.com',
      EMBEDDER: 'glove',
      METRICS_SINK: 'statsd',
    })

    // Assess
    expect(problems).toEqual([
      'EMBEDDER="glove" is invalid: must be one of bedrock, local, hashing, openai',
      'METRICS_SINK="statsd" is invalid: must be one of emf, prometheus',
    ])
  })

  it('refuses an ADMIN_SCOPE no token can carry, which would leave /admin/* to no one', () => {
    // Act: a token's scopes are one space-separated string, so "ops admin" is two scopes
    const problems = problemsOf({
      TOKEN_ISSUER: 'https://id.example.com',
      ADMIN_SCOPE: 'ops admin',
    })

    // Assess
    expect(problems).toEqual([
      'ADMIN_SCOPE="ops admin" is invalid: must be letters, digits, ":", ".", "_" and "-" only, as Terraform\'s admin_scope (a token\'s scopes are separated by spaces)',
    ])
  })

  it('refuses an ALLOWED_CLIENT_IDS that lists no client, which would refuse every token', () => {
    // Act
    const problems = problemsOf({ TOKEN_ISSUER: 'https://id.example.com', ALLOWED_CLIENT_IDS: ',' })

    // Assess
    expect(problems).toEqual([
      'ALLOWED_CLIENT_IDS="," is invalid: must name at least one client id (unset, any client of the issuer is accepted)',
    ])
  })

  it("reads npm start's log level in any case, and refuses one Powertools would ignore for INFO", () => {
    // Act
    const levels = ['debug', 'Error', ''].map(
      (level) => loadLocalConfig({ POWERTOOLS_LOG_LEVEL: level }).logLevel,
    )
    const unknown = problemsOf({ POWERTOOLS_LOG_LEVEL: 'verbose' }, loadLocalConfig)

    // Assess
    expect(levels).toEqual(['DEBUG', 'ERROR', 'WARN'])
    expect(unknown).toEqual([
      'POWERTOOLS_LOG_LEVEL="verbose" is invalid: must be one of TRACE, DEBUG, INFO, WARN, ERROR, CRITICAL, SILENT (in any case)',
    ])
  })

  it('refuses an audit retention whose expiry time no DynamoDB write could carry exactly', () => {
    // Prepare: 10^11 days on from now is past 2^53 seconds, which the document client refuses
    // to write, failing every admin change; 100 years is the most kept.
    const issuer = { TOKEN_ISSUER: 'https://id.example.com' }

    // Act
    const century = loadConfig({ ...issuer, AUDIT_RETENTION_DAYS: '36500' })
    const problems = problemsOf({ ...issuer, AUDIT_RETENTION_DAYS: '200000000000' })

    // Assess
    expect(century.auditRetentionDays).toBe(36_500)
    expect(problems).toEqual([
      'AUDIT_RETENTION_DAYS="200000000000" is invalid: must be a whole number from 1 to 36500',
    ])
  })
})
