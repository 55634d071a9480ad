import type { AgentCard } from '@a2a-js/sdk'
import { SAMPLE_AGENT_MODES, sampleAgentCard } from '../a2a/agent-card.ts'
import { climateNormals } from './climate-normals.ts'
import { GET_WEATHER_SKILL_ID } from './skill.ts'

/**
 * The weather agent's card. Descriptions, tags and examples are written for
 * the gateway's semantic search as much as for people, and say plainly that the
 * answers are climate normals, not forecasts.
 */
export function weatherCard(baseUrl: string): AgentCard {
  const cityCount = climateNormals.cities.length
  return sampleAgentCard(baseUrl, {
    name: 'Weather',
    description:
      `Typical weather for ${cityCount} major cities on every continent, month by month: ` +
      'average daytime highs and night-time lows in °C and °F and the number of rainy days, ' +
      'from long-term climate normals (approximately 1991–2020). Useful for travel planning ' +
      'and "what is the weather usually like" questions; it is not a live forecast.',
    version: '1.0.0',
    skills: [
      {
        id: GET_WEATHER_SKILL_ID,
        name: 'Get typical weather',
        description:
          'Typical temperature (high and low, °C and °F) and rainy days for a city in a ' +
          "given month or season (the city's own warmest month for summer, so Sydney's " +
          'summer is January), defaulting to the current month. Understands plain questions ' +
          '("What\'s the weather in Berlin?", "Tokyo in March", "Moscow in winter") with ' +
          'forgiving city names (accents, "NYC"). Structured call: a data part {"location": ' +
          '"<city>", "month": <1-12 or month name, optional>, "season": <winter, spring, ' +
          'summer or autumn, optional>}; the answer then also carries a data part ' +
          '{found: true, city, country, month, monthName, highC, lowC, highF, lowF, rainyDays, ' +
          'source, note}, or, for a city it has no data for, {found: false, location, knownCities}.',
        tags: ['weather', 'climate', 'temperature', 'rain', 'travel', 'forecast', 'cities'],
        examples: [
          "What's the weather in Berlin?",
          'How warm is Tokyo in March?',
          'Does it rain a lot in London in November?',
          'Weather in NYC right now',
          '{"location": "Seoul", "month": 7}',
        ],
        inputModes: SAMPLE_AGENT_MODES,
        outputModes: SAMPLE_AGENT_MODES,
        securityRequirements: [],
      },
    ],
  })
}
