/**
 * WordNet's own detachment rules ("morphy"): the base forms an inflected word may
 * have. The caller keeps the candidates its lexicon knows.
 */
const suffixRules: readonly (readonly [string, string])[] = [
  ['ies', 'y'],
  ['ves', 'f'],
  ['sses', 'ss'],
  ['xes', 'x'],
  ['zes', 'z'],
  ['ches', 'ch'],
  ['shes', 'sh'],
  ['men', 'man'],
  ['ses', 's'],
  ['es', 'e'],
  ['es', ''],
  ['s', ''],
  ['ied', 'y'],
  ['ed', 'e'],
  ['ed', ''],
  ['ing', 'e'],
  ['ing', ''],
  ['er', ''],
  ['er', 'e'],
  ['est', ''],
  ['est', 'e'],
]

/**
 * Common irregular forms, which no suffix rule reaches (WordNet keeps these in
 * exception files that the npm package does not ship).
 */
const irregular: Record<string, string> = Object.fromEntries(
  `feet:foot teeth:tooth geese:goose men:man women:woman children:child people:person mice:mouse
  data:datum criteria:criterion analyses:analysis indices:index matrices:matrix
  am:be is:be are:be was:be were:be been:be has:have had:have did:do done:do went:go gone:go
  made:make said:say got:get gotten:get took:take taken:take came:come saw:see seen:see knew:know
  known:know thought:think brought:bring bought:buy paid:pay sent:send spent:spend lost:lose
  found:find gave:give given:give told:tell felt:feel left:leave kept:keep held:hold met:meet
  ran:run wrote:write written:write began:begin begun:begin broke:break broken:break chose:choose
  chosen:choose drove:drive driven:drive flew:fly flown:fly forgot:forget forgotten:forget
  froze:freeze frozen:freeze grew:grow grown:grow hid:hide hidden:hide rode:ride rose:rise
  risen:rise sold:sell shot:shoot shut:shut slept:sleep spoke:speak spoken:speak stole:steal
  stolen:steal stood:stand struck:strike swore:swear taught:teach threw:throw thrown:throw
  understood:understand woke:wake woken:wake wore:wear worn:wear won:win built:build caught:catch
  dealt:deal drew:draw drawn:draw fell:fall fallen:fall fought:fight led:lead meant:mean
  sought:seek sank:sink sunk:sink sang:sing sung:sing better:good best:good worse:bad worst:bad`
    .split(/\s+/)
    .filter(Boolean)
    .map((pair) => pair.split(':') as [string, string]),
)

/** The word itself first, then every form the rules detach, doubled consonants undone. */
export const baseForms = (word: string): string[] => {
  const forms = [word]
  const base = irregular[word]
  if (base) forms.push(base)
  for (const [suffix, replacement] of suffixRules) {
    if (word.length <= suffix.length + 1 || !word.endsWith(suffix)) continue
    const stem = word.slice(0, -suffix.length)
    forms.push(stem + replacement)
    // stopped -> stop, bigger -> big
    if (replacement === '' && stem.length > 2 && stem.at(-1) === stem.at(-2)) {
      forms.push(stem.slice(0, -1))
    }
  }
  return [...new Set(forms)]
}
