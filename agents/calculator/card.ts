import type { AgentCard } from '@a2a-js/sdk'
import { SAMPLE_AGENT_MODES, sampleAgentCard } from '../a2a/agent-card.ts'
import { COUNT_PRIMES_SKILL_ID } from './count-primes-skill.ts'
import { MAX_PRIME_LIMIT } from './primes.ts'
import { CALCULATE_SKILL_ID } from './skill.ts'

/**
 * The calculator's card. Descriptions, tags and examples are written for the
 * gateway's semantic search as much as for people: they say what the agent is
 * for in the words a caller would use.
 */
export function calculatorCard(baseUrl: string): AgentCard {
  return sampleAgentCard(baseUrl, {
    name: 'Calculator',
    description:
      'Exact arithmetic, math and unit conversions. Evaluates expressions such as 2+2*3, ' +
      'percentages ("17% of 2,340"), powers and roots, logarithms and trigonometry, and ' +
      'converts between units of length, mass, volume, temperature, time, speed and more ' +
      '("5 km in miles"), and counts primes up to a limit, a longer job it reports progress on ' +
      'and that can be canceled. Deterministic: computes, never guesses.',
    version: '1.0.0',
    skills: [
      {
        id: CALCULATE_SKILL_ID,
        name: 'Calculate',
        description:
          'Evaluate one arithmetic or math expression, or convert a quantity between units, ' +
          'and return the result to 10 significant digits. Understands plain questions ' +
          '("What is 17% of 2,340?", "calculate sqrt(2)*pi") and thousands separators. ' +
          'Structured call: a data part {"expression": "<math expression>"}; the answer ' +
          'then also carries a data part {expression, result, unit?, formatted}.',
        tags: [
          'calculator',
          'math',
          'arithmetic',
          'percentage',
          'unit conversion',
          'trigonometry',
          'numbers',
        ],
        examples: [
          '2+2*3',
          'What is 17% of 2,340?',
          'sqrt(2)*pi',
          'Convert 5 km in miles',
          '100 fahrenheit to celsius',
          '{"expression": "2^10 / 4"}',
        ],
        inputModes: SAMPLE_AGENT_MODES,
        outputModes: SAMPLE_AGENT_MODES,
        securityRequirements: [],
      },
      {
        id: COUNT_PRIMES_SKILL_ID,
        name: 'Count primes',
        description:
          `Count the prime numbers up to a limit (0 to ${MAX_PRIME_LIMIT}) with a segmented ` +
          'sieve. The work grows with the limit: 10^6 is instant, 10^10 takes tens of seconds. ' +
          'While it runs the task stays working and sends progress as status updates ' +
          '(text and a data part {countedUpTo, primes, limit}); CancelTask stops it at once. ' +
          'Structured call: a data part {"limit": <whole number>} with metadata.skillId ' +
          '"count_primes"; the answer then also carries a data part {limit, primes}.',
        tags: ['primes', 'prime numbers', 'number theory', 'sieve', 'long-running'],
        examples: [
          'Count the primes up to 1000000',
          'How many primes are there below 10^9?',
          '{"limit": 1000000}',
        ],
        inputModes: SAMPLE_AGENT_MODES,
        outputModes: SAMPLE_AGENT_MODES,
        securityRequirements: [],
      },
    ],
  })
}
