import { type ComponentChildren, cloneElement, isValidElement } from 'preact'
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks'
import { messageOf } from './api.ts'

/** What happened after an action, said in words: `ok` green, `error` red, both with text. */
export interface Notice {
  kind: 'ok' | 'error' | 'info'
  text: string
}

export const NoticeLine = ({ notice }: { notice: Notice | undefined }) =>
  notice ? (
    <p
      class={`notice notice-${notice.kind}`}
      role={notice.kind === 'error' ? 'alert' : 'status'}
      data-testid="notice"
    >
      <strong>
        {notice.kind === 'ok' ? 'Done: ' : notice.kind === 'error' ? 'Problem: ' : ''}
      </strong>
      {notice.text}
    </p>
  ) : null

/** A status as a coloured badge that also says it in words. */
export const Badge = ({
  tone,
  children,
}: {
  tone: 'good' | 'bad' | 'neutral' | 'warn'
  children: ComponentChildren
}) => <span class={`badge badge-${tone}`}>{children}</span>

/**
 * Loads once (and again when `deps` change); `reload` refreshes. `loading` is true from the
 * moment `reload` is called (not only once the effect runs, a paint later), so a page can hold
 * back what acts on the data until the data shown is what the reload read.
 */
export const useLoad = <T,>(load: () => Promise<T>, deps: unknown[] = []) => {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({
    loading: true,
  })
  const [tick, setTick] = useState(0)
  useEffect(() => {
    let live = true
    setState((previous) => ({ ...previous, loading: true }))
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error: unknown) => live && setState({ error: messageOf(error), loading: false }),
    )
    return () => {
      live = false
    }
  }, [...deps, tick])
  const reload = () => {
    setState((previous) => ({ ...previous, loading: true }))
    setTick((value) => value + 1)
  }
  return { ...state, reload }
}

/**
 * Whether the window matches a media query (`(max-width: 700px)`), now and as it changes: for
 * what CSS cannot change, such as the order Tab takes.
 */
export const useMediaQuery = (query: string) => {
  const [matches, setMatches] = useState(() => matchMedia(query).matches)
  useLayoutEffect(() => {
    const list = matchMedia(query)
    const onChange = () => setMatches(list.matches)
    onChange()
    list.addEventListener('change', onChange)
    return () => list.removeEventListener('change', onChange)
  }, [query])
  return matches
}

export const Loading = ({ what }: { what: string }) => (
  <p class="muted" role="status">
    Loading {what}…
  </p>
)

/**
 * A field with its label and, beside it, what is wrong with it. The control (the one child) is
 * marked invalid and described by the problem, or else by the hint: shown beside it, they were
 * not read with it, so a screen reader user tabbing back to the field heard neither.
 */
export const Field = ({
  id,
  label,
  error,
  hint,
  children,
}: {
  id: string
  label: string
  error?: string | undefined
  hint?: string
  children: ComponentChildren
}) => (
  <div class={`field${error ? ' field-invalid' : ''}`}>
    <label for={id}>{label}</label>
    {isValidElement(children)
      ? cloneElement(children, {
          'aria-invalid': error ? 'true' : undefined,
          'aria-describedby': error ? `${id}-error` : hint ? `${id}-hint` : undefined,
        })
      : children}
    {hint && !error ? (
      <small class="muted" id={`${id}-hint`}>
        {hint}
      </small>
    ) : null}
    {error ? (
      <small class="field-error" id={`${id}-error`} data-testid={`error-${id}`} role="alert">
        {error}
      </small>
    ) : null}
  </div>
)

/**
 * The filter of a long list (the Fleet's agents, the callers), read as it is typed: `onFilter`
 * gets each new text, for the page to show the first page of what it leaves.
 */
export const ListFilter = ({
  id,
  label,
  value,
  onFilter,
}: {
  id: string
  label: string
  value: string
  onFilter: (text: string) => void
}) => (
  <div class="field">
    <label for={id}>{label}</label>
    <input
      id={id}
      value={value}
      onInput={(event) => onFilter(event.currentTarget.value)}
      placeholder="weather"
    />
  </div>
)

/**
 * Whether a list's filter leaves an item: one of its texts (a name, an id, a status, a scope) holds
 * what was typed, case and the spaces around it aside. Each text on its own, so that what is typed
 * never matches across two of them. Nothing typed, or spaces alone, leave every item.
 */
export const filterLeaves = (texts: readonly (string | undefined)[], filter: string) => {
  const typed = filter.trim().toLowerCase()
  return typed === '' || texts.some((text) => text?.toLowerCase().includes(typed))
}

/** Whether anything is typed in a list's filter, spaces aside. */
export const isFiltering = (filter: string) => filter.trim() !== ''

/**
 * A `ref` for a form shown in place of the button that opened it: as it appears, the focus goes
 * to its first field a person can change (the button, and the focus with it, are gone). One
 * function for good, so that Preact calls it as the form appears, not at each render.
 */
export const focusFirstField = (form: HTMLElement | null) => {
  form
    ?.querySelector<HTMLElement>(
      'input:not([readonly]):not(:disabled), select:not(:disabled), textarea:not([readonly])',
    )
    ?.focus()
}

/**
 * A button refused while its page acts (`busy`): said to be unavailable (`aria-disabled`) and its
 * click ignored, but kept where the keyboard's focus is. `disabled` dropped the focus from the
 * button pressed to the page's body: a keyboard user lost their place, a screen reader said
 * nothing. A submit button's click ignored also stops Enter in a field from sending the form.
 */
export const BusyButton = ({
  busy,
  onClick,
  children,
  ...rest
}: {
  busy: boolean
  type: 'button' | 'submit'
  class?: string
  onClick?: () => void
  children: ComponentChildren
}) => (
  <button
    {...rest}
    aria-disabled={busy ? 'true' : undefined}
    onClick={(event) => {
      if (busy) event.preventDefault()
      else onClick?.()
    }}
  >
    {children}
  </button>
)

/** A confirmation that names what it acts on, and makes the person type it. */
export const Confirm = ({
  question,
  expected,
  action,
  onConfirm,
  onCancel,
}: {
  question: string
  expected: string
  action: string
  onConfirm: () => void
  onCancel: () => void
}) => {
  const [typed, setTyped] = useState('')
  const input = useRef<HTMLInputElement>(null)
  const dialog = useRef<HTMLDivElement>(null)
  // The person's focus goes to the question, so a keyboard user meets it at once; as it closes,
  // back to what opened it (a Cancel or an Escape left it nowhere, the next Tab elsewhere on the
  // page), unless the focus has moved on or what opened it is no longer offered.
  useLayoutEffect(() => {
    const opener = document.activeElement
    input.current?.focus()
    return () => {
      const focus = document.activeElement
      const inside = !focus || focus === document.body || dialog.current?.contains(focus)
      if (
        inside &&
        opener instanceof HTMLElement &&
        opener.isConnected &&
        !opener.matches(':disabled')
      )
        opener.focus()
    }
  }, [])
  return (
    <div
      class="confirm"
      role="alertdialog"
      aria-labelledby="confirm-question"
      ref={dialog}
      onKeyDown={(event) => {
        if (event.key === 'Escape') onCancel()
      }}
    >
      <p id="confirm-question">{question}</p>
      <label for="confirm-input">
        Type <code>{expected}</code> to confirm
      </label>
      <input
        id="confirm-input"
        value={typed}
        onInput={(event) => setTyped(event.currentTarget.value)}
        ref={input}
      />
      <div class="actions">
        <button type="button" class="danger" disabled={typed !== expected} onClick={onConfirm}>
          {action}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  )
}

export const when = (iso: string | undefined) =>
  iso ? new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' }) : 'never'

/** A moment to the second, in the browser's time zone (a revocation's time is whole seconds). */
export const toTheSecond = (iso: string) =>
  new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'medium' })

/** Control characters, and the bidirectional ones, which can make a text read as another. */
const controls = /[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu

/**
 * An agent's own words (its card's name, description, skills) as the console shows them: each
 * control character but a line break or tab as a visible `\uFFFD`, so `\u202Eevil` cannot read
 * as "live".
 */
export const plainText = (text: string): string =>
  text.replace(controls, (found) => (found === '\n' || found === '\t' ? found : '\uFFFD'))

/**
 * Cards a page of a long list shows (the Fleet's agents, the Callers'): four screens of the
 * Fleet's at 1280 wide (three columns), one to four columns filled. All on one page, a fleet of 300
 * was some 32,000 px of cards, six a screen.
 */
export const cardsPerPage = 24

/** Which of a list's pages is shown, and what it shows. */
export interface Paged<T> {
  /** The page shown, from 0. */
  page: number
  /** How many pages the list makes (1 when it is empty). */
  pages: number
  /** The items on the page shown. */
  shown: T[]
  /**
   * Which they are, in words ("25 to 48"): at a screen reader's usual punctuation level an en dash
   * is not said, and "Showing 25–48 of 122 agents" was heard as "Showing 25 48 of 122 agents" (NVDA).
   */
  range: string
}

/**
 * Page `page` of `items`, `cardsPerPage` a page. A list read again, or made shorter by a delete,
 * may end before the page the person was on: its last page then.
 *
 * @example
 * pageOf(Array.from({ length: 30 }, (_, i) => i), 5) // { page: 1, pages: 2, shown: [24, …, 29], range: '25 to 30' }
 */
export const pageOf = <T,>(items: T[], page: number): Paged<T> => {
  const pages = Math.max(1, Math.ceil(items.length / cardsPerPage))
  const shownPage = Math.min(Math.max(0, page), pages - 1)
  const first = shownPage * cardsPerPage
  const shown = items.slice(first, first + cardsPerPage)
  return { page: shownPage, pages, shown, range: `${first + 1} to ${first + shown.length}` }
}

/**
 * What a paged list's live count says: how many the filter leaves ("10 of 122 agents"), and past
 * one page which the page shows ("Showing 25 to 48 of 122 agents"). Nothing while the heading
 * says it all (no filter, one page): the region stays, empty, so that what it says next is read.
 * `all` is the whole list counted in words (`agentsCounted(122)`).
 */
export const countSaid = (
  { pages, range }: Paged<unknown>,
  matching: number,
  all: string,
  filtered: boolean,
) =>
  filtered
    ? `${matching} of ${all}${pages > 1 ? `, showing ${range}` : ''}`
    : pages > 1
      ? `Showing ${range} of ${all}`
      : ''

/**
 * Previous and Next through a list's pages, and which one is shown. An end's button is said to be
 * unavailable (`aria-disabled`), not `disabled`: Next pressed onto the last page would otherwise
 * drop the keyboard's focus to the page's body. The pager below the cards is given the one above
 * them (`above`): a turn from below gives the focus to the same button there, which brings the new
 * page's first cards into view (it stayed at the foot of the new page).
 */
export const Pager = ({
  page,
  pages,
  label,
  onTurn,
  navRef,
  above,
}: {
  page: number
  pages: number
  label: string
  onTurn: (page: number) => void
  navRef?: { current: HTMLElement | null }
  above?: { current: HTMLElement | null }
}) => {
  const turn = (to: number, direction: 'previous' | 'next') => {
    onTurn(to)
    above?.current?.querySelector<HTMLElement>(`[data-turn="${direction}"]`)?.focus()
  }
  return (
    <nav class="pager" aria-label={label} ref={navRef}>
      <button
        type="button"
        data-turn="previous"
        aria-disabled={page === 0 ? 'true' : undefined}
        onClick={() => page > 0 && turn(page - 1, 'previous')}
      >
        Previous
      </button>
      <span class="muted">
        Page {page + 1} of {pages}
      </span>
      <button
        type="button"
        data-turn="next"
        aria-disabled={page === pages - 1 ? 'true' : undefined}
        onClick={() => page < pages - 1 && turn(page + 1, 'next')}
      >
        Next
      </button>
    </nav>
  )
}
