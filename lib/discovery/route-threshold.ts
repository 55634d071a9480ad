/**
 * When `/route` sends a message rather than refusing it: the best agent's cosine
 * must reach `minScore`, and lead the second best by at least `minMargin`.
 */
export interface RouteThreshold {
  minScore: number
  minMargin: number
}

/**
 * The threshold `/route` uses for each embedder (`EMBEDDER`) when neither
 * ROUTE_MIN_SCORE nor a calibration says otherwise. Precision first: each keeps
 * wrong routes at or below 10 % of the dev queries (`npm run bench:discovery`
 * prints the sweep). Each embedder scores on its own scale, so each has its
 * own. Titan cannot be reached offline: its value is a starting point, which
 * `POST /admin/route/calibrate` replaces from the deployed catalog.
 * A new embedder adds its line here (lib/config.ts does not compile until it does).
 */
export const defaultRouteThresholds = {
  local: { minScore: 0.15, minMargin: 0.05 },
  hashing: { minScore: 0.25, minMargin: 0 },
  bedrock: { minScore: 0.2, minMargin: 0.05 },
  // A model of the operator's choosing: a cautious start; calibrate for the model in use.
  openai: { minScore: 0.5, minMargin: 0.05 },
} as const satisfies Record<string, RouteThreshold>

/** The share of all routed messages `/route` may send to a wrong agent. */
export const maxWrongRouteShare = 0.1

/** The best agent's score for one message, how far it led the next, and whether it was right. */
export interface RouteSample {
  score: number
  margin: number
  right: boolean
}

/** What a threshold does to a set of labelled messages, as shares of them all. */
export interface RouteRates {
  right: number
  wrong: number
  refused: number
}

/**
 * How far the best candidate leads the next: a lone candidate has no rival to
 * lead, so only its score counts (an infinite lead).
 */
export const leadOf = (bestScore: number, nextScore: number | undefined): number =>
  nextScore === undefined ? Number.POSITIVE_INFINITY : bestScore - nextScore

/** Whether `/route` sends a message whose best agent scored so. */
export const wouldRoute = (
  threshold: RouteThreshold,
  { score, margin }: Omit<RouteSample, 'right'>,
) => score >= threshold.minScore && margin >= threshold.minMargin

/**
 * How a threshold splits labelled messages: routed right, routed wrong, refused.
 *
 * @example
 * routeRates([{ score: 0.4, margin: 0.1, right: true }], { minScore: 0.3, minMargin: 0 })
 * // { right: 1, wrong: 0, refused: 0 }
 */
export const routeRates = (
  samples: readonly RouteSample[],
  threshold: RouteThreshold,
): RouteRates => {
  let right = 0
  let wrong = 0
  for (const sample of samples) {
    if (!wouldRoute(threshold, sample)) continue
    if (sample.right) right++
    else wrong++
  }
  const n = samples.length || 1
  return { right: right / n, wrong: wrong / n, refused: (samples.length - right - wrong) / n }
}

/**
 * The threshold that routes the most labelled messages right while routing at
 * most `maxWrong` of them wrong. Each score threshold tried sits halfway between
 * two neighbouring sample scores (so a message scoring like the last one routed
 * still routes), the lowest at the lowest score; with equal right routes, fewer
 * wrong ones win, then the smaller margin, then the higher score. When nothing
 * can be routed within `maxWrong`, the threshold routes nothing below a cosine of 1.
 *
 * @example
 * chooseThreshold([{ score: 0.5, margin: 0.2, right: true }, { score: 0.2, margin: 0, right: false }])
 * // { threshold: { minScore: 0.35, minMargin: 0 }, rates: { right: 0.5, wrong: 0, refused: 0.5 } }
 */
export const chooseThreshold = (
  samples: readonly RouteSample[],
  options: { maxWrong?: number; margins?: readonly number[] } = {},
): { threshold: RouteThreshold; rates: RouteRates } => {
  const maxWrong = options.maxWrong ?? maxWrongRouteShare
  const margins = options.margins ?? [0]
  const scores = [...new Set(samples.map(({ score }) => score))].sort((a, b) => b - a)
  const cuts = scores.map((score, i) => {
    const lower = scores[i + 1]
    return lower === undefined ? score : (score + lower) / 2
  })
  let best: { threshold: RouteThreshold; rates: RouteRates } = {
    threshold: { minScore: 1, minMargin: 0 },
    rates: routeRates(samples, { minScore: 1, minMargin: 0 }),
  }
  const better = (a: typeof best, b: typeof best) =>
    a.rates.right !== b.rates.right
      ? a.rates.right > b.rates.right
      : a.rates.wrong !== b.rates.wrong
        ? a.rates.wrong < b.rates.wrong
        : a.threshold.minMargin !== b.threshold.minMargin
          ? a.threshold.minMargin < b.threshold.minMargin
          : a.threshold.minScore > b.threshold.minScore
  for (const minMargin of margins) {
    for (const minScore of cuts) {
      const candidate = {
        threshold: { minScore, minMargin },
        rates: routeRates(samples, { minScore, minMargin }),
      }
      if (candidate.rates.wrong <= maxWrong && better(candidate, best)) best = candidate
    }
  }
  return best
}
