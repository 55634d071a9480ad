import { generateKeyPairSync, sign as nodeSign, verify as nodeVerify } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import canonicalize from 'canonicalize'
import { base64url, decodeProtectedHeader, flattenedVerify, importJWK } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AgentCardJson } from '../../../lib/a2a/agent-card.ts'
import { verifyCardSignatures } from '../../../lib/a2a/card-signature.ts'
import {
  type AgentCardSignature,
  cardJwks,
  cardSigner,
  cardSigningPayload,
} from '../../../lib/a2a/card-signer.ts'
import { FileGatewayKey } from '../../../lib/signing/file-gateway-key.ts'
import {
  derToJose,
  type GatewayKey,
  MalformedSignatureError,
} from '../../../lib/signing/gateway-key.ts'
import { gatewayKeyFor } from '../../../lib/signing/gateway-key-for.ts'
import { KmsGatewayKey, kmsKid } from '../../../lib/signing/kms-gateway-key.ts'
import { stubKms } from '../../support/stub-kms.ts'

const card = {
  name: 'Weather',
  description: 'Forecasts, températures: 21.5 °C',
  version: '1.0.0',
  supportedInterfaces: [
    {
      url: 'https://gw.example.com/agents/weather',
      protocolBinding: 'JSONRPC',
      protocolVersion: '1.0',
    },
  ],
  capabilities: { streaming: false, pushNotifications: false },
  skills: [{ id: 'forecast', name: 'Forecast', description: 'Tomorrow', tags: [], examples: [] }],
  defaultInputModes: ['text/plain'],
  defaultOutputModes: ['text/plain'],
} as AgentCardJson
const jku = 'https://gw.example.com/prod/.well-known/agent-card-jwks.json'

const signaturesOf = (signed: AgentCardJson) => signed.signatures as AgentCardSignature[]

/** Verifies a served card as any client would: its one signature, over JCS of the rest. */
const verifyWith = async (signed: AgentCardJson, key: GatewayKey) => {
  const [signature] = signaturesOf(signed)
  const { signatures: _signatures, ...unsigned } = signed as Record<string, unknown>
  return flattenedVerify(
    {
      ...(signature as AgentCardSignature),
      payload: base64url.encode(canonicalize(unsigned) as string),
    },
    await importJWK(await key.publicJwk(), 'ES256'),
  )
}

/** A key that counts its signatures. */
const counting = (key: GatewayKey) => {
  let signed = 0
  return {
    key: {
      kid: key.kid,
      alg: key.alg,
      publicJwk: () => key.publicJwk(),
      sign: (data: Uint8Array) => {
        signed++
        return key.sign(data)
      },
    } satisfies GatewayKey,
    signed: () => signed,
  }
}

describe('card signature', () => {
  let dir: string
  let key: FileGatewayKey
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'card-signing-'))
    key = await FileGatewayKey.load(join(dir, 'card-signing-key.json'))
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  it('covers the card without its signatures in RFC 8785 form, defaults and empty lists included', () => {
    // Act
    const payload = cardSigningPayload({ b: [], a: { z: false, y: 1e21 }, signatures: [{}] })

    // Assess
    expect(payload).toBe('{"a":{"y":1e+21,"z":false},"b":[]}')
  })

  it('signs a card so that it verifies with the public key, the protected header naming alg, kid, jku and typ', async () => {
    // Prepare
    const sign = cardSigner(async () => key)

    // Act
    const signed = await sign(card, jku)

    // Assess
    const [signature] = signaturesOf(signed)
    expect(decodeProtectedHeader(signature as AgentCardSignature)).toEqual({
      alg: 'ES256',
      kid: key.kid,
      jku,
      typ: 'JOSE',
    })
    await expect(verifyWith(signed, key)).resolves.toBeDefined()
    expect(await cardJwks(async () => key)).toEqual({ keys: [await key.publicJwk()] })
  })

  it("replaces the agent's signatures with the gateway's one", async () => {
    // Prepare
    const sign = cardSigner(async () => key)
    const agentSigned = { ...card, signatures: [{ protected: 'e30', signature: 'AAAA' }] }

    // Act
    const signed = await sign(agentSigned, jku)

    // Assess
    expect(signaturesOf(signed)).toHaveLength(1)
    expect(signaturesOf(signed)[0]?.protected).not.toBe('e30')
  })

  it('signs each card content once: the same card again reuses the signature, another card is signed anew', async () => {
    // Prepare
    const { key: countingKey, signed } = counting(key)
    const sign = cardSigner(async () => countingKey)

    // Act
    const first = await sign(card, jku)
    const again = await sign({ ...card }, jku)
    await sign({ ...card, version: '1.0.1' }, jku)

    // Assess
    expect(again).toEqual(first)
    expect(signed()).toBe(2)
  })

  it('signs a card once when several read it at once on a cold function, all getting the same bytes; a failed signature is tried again', async () => {
    // Prepare: on AWS each signature is a KMS Sign call, and ECDSA signs differently each time.
    const { key: countingKey, signed } = counting(key)
    let fail = true
    const sign = cardSigner(async () => ({
      ...countingKey,
      sign: async (data: Uint8Array) => {
        if (fail) {
          fail = false
          throw new Error('KMS throttled')
        }
        return countingKey.sign(data)
      },
    }))

    // Act
    const failed = await sign(card, jku).then(
      () => 'signed',
      (error: Error) => error.message,
    )
    const reads = await Promise.all([sign(card, jku), sign({ ...card }, jku), sign(card, jku)])

    // Assess
    expect(failed).toBe('KMS throttled')
    expect(signed()).toBe(1)
    expect(new Set(reads.map((read) => JSON.stringify(read))).size).toBe(1)
  })

  it('accepts a card whose signature verifies with the key its jku names, and refuses one changed after signing, saying which and why', async () => {
    // Prepare
    const signed = await cardSigner(async () => key)(card, jku)
    const fetched: string[] = []
    const fetchKeys = async (url: string) => {
      fetched.push(url)
      return cardJwks(async () => key)
    }

    // Act
    const intact = await verifyCardSignatures(signed, { fetchKeys })
    const tampered = await verifyCardSignatures({ ...signed, version: '6.6.6' }, { fetchKeys })

    // Assess
    expect(intact).toEqual([])
    expect(fetched).toEqual([jku, jku])
    expect(tampered).toEqual([
      {
        index: 0,
        reason: expect.stringMatching(/^it does not verify over the card's canonical form/),
      },
    ])
  })

  it('refuses a signature that names no key, an unknown kid, a symmetric alg or an unreadable key set', async () => {
    // Prepare
    const header = (fields: Record<string, unknown>) => base64url.encode(JSON.stringify(fields))
    const signatures = [
      { protected: header({ alg: 'ES256', typ: 'JOSE' }), signature: 'AAAA' },
      { protected: header({ alg: 'ES256', kid: 'other', jku }), signature: 'AAAA' },
      { protected: header({ alg: 'HS256', kid: key.kid, jku }), signature: 'AAAA' },
      {
        protected: header({ alg: 'ES256', jku: 'https://down.example.com/jwks' }),
        signature: 'AAAA',
      },
      { protected: 'not json', signature: 'AAAA' },
    ]
    const fetchKeys = async (url: string) => {
      if (url === jku) return cardJwks(async () => key)
      throw new Error('it answered HTTP 503')
    }

    // Act
    const failures = await verifyCardSignatures({ ...card, signatures }, { fetchKeys })

    // Assess
    expect(failures.map(({ index, reason }) => `${index}: ${reason}`)).toEqual([
      '0: it names no key: its header has neither "jku" nor "jwk"',
      `1: ${jku} holds no ES256 key with kid "other"`,
      expect.stringMatching(/^2: its alg "HS256" is not one accepted/),
      '3: its key set https://down.example.com/jwks could not be read: it answered HTTP 503',
      '4: its protected header is not base64url-encoded JSON',
    ])
  })

  it('refuses a card carrying more signatures than any key rotation needs, fetching no key set', async () => {
    // Prepare: each signature names a key set of its own
    const header = (fields: Record<string, unknown>) => base64url.encode(JSON.stringify(fields))
    const signatures = Array.from({ length: 1_000 }, (_, n) => ({
      protected: header({ alg: 'ES256', jku: `https://keys.example.com/${n}.json` }),
      signature: 'AAAA',
    }))
    const fetched: string[] = []
    const fetchKeys = async (url: string): Promise<unknown> => {
      fetched.push(url)
      throw new Error('it answered HTTP 503')
    }

    // Act
    const failures = await verifyCardSignatures({ ...card, signatures }, { fetchKeys })

    // Assess
    expect(fetched).toEqual([])
    expect(failures).toEqual([
      {
        index: 10,
        reason: 'a card carries at most 10 signatures; this one carries 1000, none of them checked',
      },
    ])
  })

  it('verifies a signature with a key embedded in its header (jwk), fetching nothing', async () => {
    // Prepare
    const signed = await cardSigner(async () => key)(card, jku)
    const [signature] = signaturesOf(signed) as [AgentCardSignature]
    const embedded = { ...signature, header: { jwk: await key.publicJwk() } }
    const fetchKeys = async (): Promise<unknown> => {
      throw new Error('nothing may be fetched')
    }

    // Act
    const failures = await verifyCardSignatures(
      { ...signed, signatures: [embedded] },
      { fetchKeys },
    )

    // Assess
    expect(failures).toEqual([])
  })

  it('refuses an embedded private key whose "d" is escaped after an object in the same header primed the parser', async () => {
    // Prepare: Node 24's JSON.parse, having read a key `\` after kty, crv, x and y, reads the
    // jwk's `\u0064` as `\` too; every client reads it as `d`, the private key
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const jwk = privateKey.export({ format: 'jwk' }) as Record<string, string>
    const pub = `"kty":"EC","crv":"P-256","x":"${jwk.x}","y":"${jwk.y}"`
    const header = `{"alg":"ES256","p":{${pub},"\\\\":0},"jwk":{${pub},"\\u0064":"${jwk.d}"}}`
    const protectedHeader = base64url.encode(header)
    const signingInput = `${protectedHeader}.${base64url.encode(cardSigningPayload(card))}`
    const signature = nodeSign('sha256', Buffer.from(signingInput), {
      key: privateKey,
      dsaEncoding: 'ieee-p1363',
    })
    const fetchKeys = async (): Promise<unknown> => {
      throw new Error('nothing may be fetched')
    }

    // Act
    const failures = await verifyCardSignatures(
      {
        ...card,
        signatures: [{ protected: protectedHeader, signature: base64url.encode(signature) }],
      },
      { fetchKeys },
    )

    // Assess
    expect(failures).toEqual([{ index: 0, reason: 'its embedded jwk holds a private key' }])
  })
})

describe('the gateway key', () => {
  it('makes one local key when several functions load it at once, and keeps it', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'card-key-race-'))
    const file = join(dir, 'card-signing-key.json')

    // Act
    const keys = await Promise.all(Array.from({ length: 5 }, () => FileGatewayKey.load(file)))
    const later = await FileGatewayKey.load(file)
    await rm(dir, { recursive: true, force: true })

    // Assess
    expect(new Set(keys.map((key) => key.kid))).toEqual(new Set([later.kid]))
  })

  it('names the key file, and what to do, quoting none of it, when it holds no key; loads it on the next use once mended', async () => {
    // Prepare: an empty file, cut JSON, JSON of another shape, a JWK that is no EC key, and a
    // private key written unquoted (V8's JSON error quotes the text).
    const dir = await mkdtemp(join(tmpdir(), 'card-key-broken-'))
    const file = join(dir, 'card-signing-key.json')
    const broken = [
      '',
      '{"kid":"x"',
      'null',
      '{"kid":"x","privateJwk":{"kty":"EC"},"publicJwk":{}}',
      '{"kid":"x","privateJwk":{"d":s3cr3t-d}}',
      '{"kid":"x","privateJwk":null,"publicJwk":null}',
    ]
    // And a key whose public half is another key's: the JWKS would publish it, and every card's
    // signature would be refused, unexplained.
    const other = join(dir, 'other-key.json')
    await FileGatewayKey.load(file)
    await FileGatewayKey.load(other)
    const mine = JSON.parse(await readFile(file, 'utf8'))
    const theirs = JSON.parse(await readFile(other, 'utf8'))
    broken.push(JSON.stringify({ ...mine, publicJwk: theirs.publicJwk }))
    const key = gatewayKeyFor({
      region: 'eu-west-1',
      cardSigningKeyFile: file,
      cardSigningKeyId: undefined,
    })

    // Act
    const messages: string[] = []
    for (const text of broken) {
      await writeFile(file, text)
      messages.push(
        await key().then(
          () => 'loaded',
          (error: Error) => error.message,
        ),
      )
    }
    await rm(file)
    const mended = await key()
    const kept = await FileGatewayKey.load(file)
    await rm(dir, { recursive: true, force: true })

    // Assess
    for (const message of messages) {
      expect(message).toContain(`the card-signing key file ${file} holds no usable key`)
      expect(message).toContain('remove it and a new key is made')
      expect(message).not.toContain('s3cr3t')
    }
    expect(mended.kid).toBe(kept.kid)
  })

  it('says which variable is missing when neither a KMS key nor a key file is configured', async () => {
    // Prepare
    const key = gatewayKeyFor({
      region: 'eu-west-1',
      cardSigningKeyId: undefined,
      cardSigningKeyFile: undefined,
    })

    // Act & Assess
    await expect(key()).rejects.toThrow(/CARD_SIGNING_KEY_ID is required/)
  })
})

describe('DER to JOSE signatures', () => {
  it('turns DER ECDSA signatures into the r || s JOSE verifies, whatever their integer lengths', () => {
    // Prepare: enough signatures that some r or s has a leading zero byte or a high bit.
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const data = Buffer.from('signing input')

    for (let round = 0; round < 64; round++) {
      // Act
      const der = nodeSign('sha256', data, { key: privateKey, dsaEncoding: 'der' })
      const jose = derToJose(der, 32)

      // Assess
      expect(jose).toHaveLength(64)
      expect(nodeVerify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, jose)).toBe(
        true,
      )
    }
  })

  it('refuses bytes that are not a DER ECDSA signature', () => {
    // Assess
    expect(() => derToJose(new Uint8Array([0x02, 0x01, 0x01]))).toThrow(MalformedSignatureError)
    expect(() => derToJose(new Uint8Array([0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01]))).toThrow(
      MalformedSignatureError,
    )
    const tooLong = new Uint8Array([
      0x30,
      0x26,
      0x02,
      0x21,
      ...new Array(33).fill(1),
      0x02,
      0x01,
      0x01,
    ])
    expect(() => derToJose(tooLong)).toThrow(/over 32 bytes/)
  })
})

describe('KMS gateway key (contract with a stub KMS signing with a real key)', () => {
  const keyArn = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'

  it('signs the SHA-256 digest with ECDSA_SHA_256 and yields cards that verify with the key it publishes', async () => {
    // Prepare
    const kms = stubKms(keyArn)
    const key = new KmsGatewayKey(kms.client, keyArn)
    const sign = cardSigner(async () => key)

    // Act
    const signed = await sign(card, jku)
    const jwks = await cardJwks(async () => key)

    // Assess
    expect(kms.sent.filter(({ name }) => name === 'Sign')).toEqual([
      {
        name: 'Sign',
        input: expect.objectContaining({
          KeyId: keyArn,
          MessageType: 'DIGEST',
          SigningAlgorithm: 'ECDSA_SHA_256',
        }),
      },
    ])
    expect(jwks.keys[0]).toMatchObject({
      kty: 'EC',
      crv: 'P-256',
      kid: kmsKid(keyArn),
      alg: 'ES256',
    })
    expect(jwks.keys[0]).toMatchObject(kms.publicKey.export({ format: 'jwk' }))
    await expect(verifyWith(signed, key)).resolves.toBeDefined()
  })

  it("names its key by the key's id in the ARN and reads the public key once", async () => {
    // Prepare
    const kms = stubKms(keyArn)
    const key = new KmsGatewayKey(kms.client, keyArn)

    // Act
    await key.publicJwk()
    await key.publicJwk()

    // Assess
    expect(key.kid).toBe('1234abcd-12ab-34cd-56ef-1234567890ab')
    expect(kms.sent.map(({ name }) => name)).toEqual(['GetPublicKey'])
  })
})
