import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { assertPortsFree } from '../../../local/gateway.ts'

describe('assertPortsFree', () => {
  const holders: Server[] = []
  /** A port another program holds. */
  const taken = async () => {
    const holder = createServer()
    holders.push(holder)
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve))
    return (holder.address() as AddressInfo).port
  }
  afterEach(async () => {
    await Promise.all(holders.splice(0).map((holder) => new Promise((done) => holder.close(done))))
  })

  it('names every port taken at once, with the variable that moves each', async () => {
    // Prepare
    const [gateway, weather] = [await taken(), await taken()]

    // Act
    const refused = assertPortsFree(
      [
        [gateway, 'PORT'],
        [weather, 'WEATHER_AGENT_PORT'],
        [0, 'CALCULATOR_AGENT_PORT'],
      ],
      '127.0.0.1',
    )

    // Assess
    await expect(refused).rejects.toThrow(
      `Ports ${gateway} (PORT) and ${weather} (WEATHER_AGENT_PORT) on 127.0.0.1 are already in use; set each variable to another port.`,
    )
  })

  it("refuses one taken port in listen's own words, with its code", async () => {
    // Prepare
    const port = await taken()

    // Act
    const refused = assertPortsFree([[port, 'PORT']], '127.0.0.1')

    // Assess
    await expect(refused).rejects.toMatchObject({
      message: `Port ${port} on 127.0.0.1 is already in use; set PORT to another port.`,
      code: 'EADDRINUSE',
    })
  })

  it('names HOST when it is no address of this machine, not only the listen error', async () => {
    // Act: 192.0.2.1 is TEST-NET-1 (RFC 5737), an address no machine here holds
    const refused = assertPortsFree([[4999, 'PORT']], '192.0.2.1')

    // Assess
    await expect(refused).rejects.toMatchObject({
      message:
        'HOST=192.0.2.1 cannot be listened on (listen EADDRNOTAVAIL: address not available 192.0.2.1:4999): set HOST to an address of this machine, such as 127.0.0.1 (the default).',
      code: 'EADDRNOTAVAIL',
    })
  })

  it('refuses two variables naming one port, before the second finds it taken by the first', async () => {
    // Act
    const refused = assertPortsFree(
      [
        [4999, 'PORT'],
        [4999, 'WEATHER_AGENT_PORT'],
      ],
      '127.0.0.1',
    )

    // Assess
    await expect(refused).rejects.toThrow(
      'PORT and WEATHER_AGENT_PORT both name port 4999: give each its own.',
    )
  })

  it('leaves free ports free for the servers that will listen on them', async () => {
    // Prepare: a port that was free a moment ago
    const holder = createServer()
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve))
    const port = (holder.address() as AddressInfo).port
    await new Promise((resolve) => holder.close(resolve))

    // Act
    await assertPortsFree([[port, 'PORT']], '127.0.0.1')
    const server = createServer()
    holders.push(server)
    const listening = new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', resolve)
    })

    // Assess
    await expect(listening).resolves.toBeUndefined()
  })
})
