import { createAgentExecutor, type SkillExecutorOptions } from '../a2a/skill-executor.ts'
import { type RunningAgent, type ServeOptions, serveAgent } from '../serve.ts'
import { calculatorCard } from './card.ts'
import { asksForPrimeCount, countPrimesSkill } from './count-primes-skill.ts'
import { calculateSkill } from './skill.ts'

/**
 * Starts the calculator agent (skills `calculate` and `count_primes`) on A2A
 * 1.0, JSON-RPC and HTTP+JSON, on 127.0.0.1 and a free port unless told
 * otherwise. A text that asks for primes up to a number goes to `count_primes`,
 * any other to `calculate`.
 *
 * @example
 * const calculator = await startCalculatorAgent()
 * // ... ClientFactory().createFromUrl(calculator.url)
 * await calculator.close()
 */
export function startCalculatorAgent(
  options: ServeOptions & SkillExecutorOptions = {},
): Promise<RunningAgent> {
  const { chunkDelayMs, ...serving } = options
  return serveAgent(
    {
      agentId: 'calculator',
      buildCard: calculatorCard,
      executor: createAgentExecutor(
        {
          skills: [calculateSkill, countPrimesSkill],
          skillForText: (text) => (asksForPrimeCount(text) ? countPrimesSkill : calculateSkill),
        },
        chunkDelayMs === undefined ? {} : { chunkDelayMs },
      ),
    },
    serving,
  )
}
