const letters = 'abcdefghijklmnopqrstuvwxyz'

/**
 * The strings a typo of one letter could have come from: a letter left out,
 * doubled or swapped with the next. Replaced letters are left out on purpose:
 * they turn too many names into words (hoodies: goodies).
 */
export const typoSources = (word: string): string[] => {
  const sources: string[] = []
  for (let i = 0; i <= word.length; i++) {
    const [head, tail] = [word.slice(0, i), word.slice(i)]
    if (tail) sources.push(head + tail.slice(1))
    if (tail.length > 1)
      sources.push(head + (tail[1] as string) + (tail[0] as string) + tail.slice(2))
    for (const letter of letters) sources.push(head + letter + tail)
  }
  return sources
}

/** Short words have too many neighbours one edit away to guess among. */
export const minCorrectableLength = 5
