import { createSkillExecutor } from '../a2a/skill-executor.ts'
import { type RunningAgent, type ServeOptions, serveAgent } from '../serve.ts'
import { calculatorCard } from './card.ts'
import { calculateSkill } from './skill.ts'

/**
 * Starts the calculator agent (skill `calculate`) on A2A 1.0, JSON-RPC and
 * HTTP+JSON, on 127.0.0.1 and a free port unless told otherwise.
 *
 * @example
 * const calculator = await startCalculatorAgent()
 * // ... ClientFactory().createFromUrl(calculator.url)
 * await calculator.close()
 */
export function startCalculatorAgent(options?: ServeOptions): Promise<RunningAgent> {
  return serveAgent(
    {
      agentId: 'calculator',
      buildCard: calculatorCard,
      executor: createSkillExecutor(calculateSkill),
    },
    options,
  )
}
