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
  whom whose why will with would yet you your yours yourself yourselves can't cannot don't won't i'm i'd i'll i've we're they're you're isn't aren't
  wasn't weren't haven't hasn't doesn't didn't couldn't wouldn't shouldn't
  one two three four five six seven eight nine ten someone something somebody anything thing things
  want wants wanted know way ways go going able okay ok hi hello thanks thank right
  many another still really also even quite rather almost already always often never sometimes
  anyone everyone everything nothing nobody whatever whenever wherever however though although
  because since unless whether within without across along among toward towards via per etc`
    .split(/\s+/)
    .filter(Boolean),
)

/** Signs that stand for a word: "15% of 80", "$240", "2^10". */
const signWords: Record<string, string> = {
  '%': ' percent ',
  $: ' dollar ',
  '€': ' euro ',
  '£': ' pound ',
  '¥': ' yen ',
  '+': ' plus ',
  '×': ' times ',
  '÷': ' divided ',
  '^': ' power ',
  '√': ' root ',
  '=': ' equals ',
  '≈': ' approximately ',
}
const signs = /[%$€£¥+×÷^√=≈]/gu

/**
 * Lower-case words and numbers, accents kept; signs read as words; `'s` dropped
 * (Globex's: globex, what's: what); `can't` stays one word. NFKC first, so a text
 * reads alike however it was typed: an accent sent as a combining mark (e + U+0301)
 * or a full-width letter is the letter most text holds. A word goes on across
 * combining marks: most Indic scripts write vowels as marks on a letter, and
 * Hindi's "अक्टूबर" was "अक", "ट", "बर".
 */
export const wordsOf = (text: string): string[] =>
  (
    text
      .normalize('NFKC')
      .toLowerCase()
      .replace(/’/gu, "'")
      .replace(signs, (sign) => signWords[sign] as string)
      .match(/[\p{L}\p{N}][\p{L}\p{M}\p{N}]*(?:'[\p{L}\p{M}]+)*/gu) ?? []
  ).map((word) => word.replace(/'s$/u, ''))
