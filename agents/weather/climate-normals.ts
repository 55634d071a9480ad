import * as z from 'zod'
import dataset from './climate-normals.json' with { type: 'json' }

const monthly = z.array(z.number()).length(12)

const cityNormals = z.object({
  name: z.string().min(1),
  country: z.string().min(1),
  continent: z.string().min(1),
  /** Other names people use: "NYC", "Bombay", "Wien". */
  aliases: z.array(z.string()),
  /** January to December. */
  highC: monthly,
  lowC: monthly,
  rainyDays: monthly,
})

const climateNormalsSchema = z.object({
  source: z.string().min(1),
  note: z.string().min(1),
  cities: z.array(cityNormals).min(1),
})

export type CityNormals = z.infer<typeof cityNormals>
export type ClimateNormals = z.infer<typeof climateNormalsSchema>

/**
 * The bundled climate normals, checked once at load so a bad edit of the JSON
 * fails at start-up rather than in an answer.
 */
export const climateNormals: ClimateNormals = climateNormalsSchema.parse(dataset)
