import { describe, expect, it } from 'vitest'
import { withThousands } from '../../../lib/thousands.ts'

describe('withThousands', () => {
  it.each([
    0,
    -0,
    7,
    999,
    1000,
    4096,
    65_536,
    100_000,
    1_234_567,
    3_145_728,
    -1234,
    2 ** 53 - 1,
    1.5,
    1e21,
  ])('writes %d as the messages always did, as en-US does', (count) => {
    // Act
    const written = withThousands(count)

    // Assess
    expect(written).toBe(count.toLocaleString('en-US'))
  })
})
