/**
 * Words that carry no topic: they neither count towards an agent's meaning nor
 * choose among a word's senses.
 */
export const stopWords: ReadonlySet<string> = new Set(
  `a about above after again against all also am an and any are as at be been before being below
  between both but by can could did do does doing done down during each either else ever every few
  for from further get gets getting got had has have having he her here hers herself him himself his
  how i if in into is it its itself just let lets like make me might more most much must my myself
  need no nor not now of off on once only or other our ours ourselves out over own please pls same
  shall she should so some such than that the their theirs them themselves then there these they
  this those through to too under until up upon us very was we were what when where which while who
  whom whose why will with would yet you your yours yourself yourselves can't cannot don't won't
  one two three four five six seven eight nine ten someone something somebody anything thing things
  want wants wanted know way ways go going able okay ok hi hello thanks thank right today`
    .split(/\s+/)
    .filter(Boolean),
)

/** Lower-case words and numbers, accents kept; `can't` stays one word. */
export const wordsOf = (text: string): string[] =>
  text.toLowerCase().match(/[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu) ?? []
