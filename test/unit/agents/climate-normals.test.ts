import { describe, expect, it } from 'vitest'
import { climateNormals } from '../../../agents/weather/climate-normals.ts'

describe('climate normals dataset', () => {
  const { cities } = climateNormals

  it('holds at least 40 cities', () => {
    // Assess
    expect(cities.length).toBeGreaterThanOrEqual(40)
  })

  it('covers every continent', () => {
    // Act
    const continents = new Set(cities.map((city) => city.continent))

    // Assess
    expect([...continents].sort()).toEqual([
      'Africa',
      'Antarctica',
      'Asia',
      'Europe',
      'North America',
      'Oceania',
      'South America',
    ])
  })

  it('names each city once, with its country', () => {
    // Act
    const names = cities.map((city) => city.name)

    // Assess
    expect(new Set(names).size).toBe(names.length)
    for (const city of cities) expect(city.country, city.name).not.toBe('')
  })

  it('gives twelve months of values for every city', () => {
    // Assess
    for (const city of cities) {
      expect([city.highC.length, city.lowC.length, city.rainyDays.length], city.name).toEqual([
        12, 12, 12,
      ])
    }
  })

  it('never has a low above the high', () => {
    // Act
    const inverted = cities.flatMap((city) =>
      city.lowC.flatMap((low, month) => {
        const high = city.highC[month] ?? Number.NaN
        return low <= high ? [] : [`${city.name} month ${month + 1}: ${low} > ${high}`]
      }),
    )

    // Assess
    expect(inverted).toEqual([])
  })

  it('keeps temperatures on Earth and rainy days within a month', () => {
    // Act
    const values = cities.flatMap((city) => [...city.highC, ...city.lowC])
    const rainyDays = cities.flatMap((city) => city.rainyDays)

    // Assess
    expect(Math.min(...values)).toBeGreaterThanOrEqual(-60)
    expect(Math.max(...values)).toBeLessThanOrEqual(50)
    expect(rainyDays.every((days) => Number.isInteger(days) && days >= 0 && days <= 31)).toBe(true)
  })

  it('says where its numbers come from', () => {
    // Assess
    expect(climateNormals.source).toMatch(/1991.2020 climate normals/)
  })
})
