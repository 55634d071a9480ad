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

/** The word itself first, then every form the rules detach, doubled consonants undone. */
export const baseForms = (word: string): string[] => {
  const forms = [word]
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
