import { useEffect, useLayoutEffect, useState } from 'preact/hooks'
import { isAgentId } from '../lib/ids.ts'
import type { Session } from './auth.ts'
import { ActivityPage } from './pages/activity.tsx'
import { AgentPage } from './pages/agent.tsx'
import { CallersPage } from './pages/callers.tsx'
import { FleetPage } from './pages/fleet.tsx'
import { PermissionsPage } from './pages/permissions.tsx'
import { RegisterPage } from './pages/register.tsx'
import { TryItPage } from './pages/try-it.tsx'
import { plainText, useMediaQuery } from './ui.tsx'

const pages = [
  { path: 'fleet', title: 'Fleet', admin: false },
  { path: 'register', title: 'Register', admin: true },
  { path: 'permissions', title: 'Permissions', admin: true },
  { path: 'callers', title: 'Callers', admin: true },
  { path: 'try', title: 'Try it', admin: false },
  { path: 'activity', title: 'Activity', admin: true },
] as const

/** Where the header's narrow layout begins (`.top-narrow` in style.css): the window's width. */
const narrowWindow = '(max-width: 700px)'

/** A part of the address as written when it cannot be decoded (a lone `%`): then it names nothing. */
const decoded = (part: string) => {
  try {
    return decodeURIComponent(part)
  } catch {
    return part
  }
}

const currentRoute = () => location.hash.replace(/^#\/?/, '').split('/').map(decoded)

/** The console: a navigation bar and the page the URL's hash names. */
export const App = ({ session, onSignOut }: { session: Session; onSignOut: () => void }) => {
  const [route, setRoute] = useState(currentRoute)
  // Subscribed as the console first renders, not after the browser paints (a plain effect): a
  // page asked for by its address in between would go unseen, and the console stay where it was.
  useLayoutEffect(() => {
    const onHash = () => {
      setRoute(currentRoute())
      document.getElementById('main')?.focus()
    }
    addEventListener('hashchange', onHash)
    return () => removeEventListener('hashchange', onHash)
  }, [])
  const [page = 'fleet', argument] = route
  const visible = pages.filter((candidate) => session.isAdmin || !candidate.admin)
  const known = pages.find((candidate) => candidate.path === page)
  const allowed = !known?.admin || session.isAdmin
  // A page about one agent takes its id from the address, which anyone can craft and send to an
  // operator: what is no agent id names no agent (the pages put it in paths to the gateway).
  const notAnAgent =
    Boolean(argument) &&
    ['agents', 'register', 'try'].includes(page) &&
    !isAgentId(argument as string) &&
    !(page === 'try' && argument === '(route)')
  // The tab's title names an agent only by an id: a crafted address's words would read there
  // with nothing around them to say they are no agent's (the page says "No such agent").
  // Else the page's own heading, which a screen reader says first of the page: until 7 December
  // 2026 an edit was titled "Register", an unknown page (which shows the Fleet) "Console".
  const heading = !allowed
    ? 'Not allowed'
    : notAnAgent
      ? 'No such agent'
      : page === 'register' && argument
        ? `Edit ${argument}`
        : (known?.title ?? (page === 'agents' && argument ? argument : 'Fleet'))
  useEffect(() => {
    document.title = `${heading} · Switchboard`
  }, [heading])

  // A narrow window shows Sign out on the first row, beside the name, and the pages on a row of
  // their own below: Sign out then comes first in the page too, so that Tab takes them in the
  // order they are seen (CSS's `order` moves what is seen, not what Tab reaches).
  const narrow = useMediaQuery(narrowWindow)
  const navigation = (
    <nav aria-label="Console pages">
      {visible.map((candidate) => (
        <a
          key={candidate.path}
          href={`#/${candidate.path}`}
          aria-current={candidate.path === page ? 'page' : undefined}
        >
          {candidate.title}
        </a>
      ))}
    </nav>
  )
  const signedIn = (
    <span class="who">
      <span data-testid="signed-in-as">
        {session.username} {session.isAdmin ? '(admin)' : ''}
      </span>
      <button type="button" class="link" onClick={onSignOut}>
        Sign out
      </button>
    </span>
  )

  return (
    <>
      {/* The address's hash names the page, so following `#main` would open the Fleet (an
      unknown page) instead of skipping to this one's content: the focus moves, the address stays. */}
      {/* biome-ignore lint/a11y/useValidAnchor: a skip link, which people look for as a link. */}
      <a
        class="skip"
        href="#main"
        onClick={(event) => {
          event.preventDefault()
          document.getElementById('main')?.focus()
        }}
      >
        Skip to content
      </a>
      <header class={narrow ? 'top top-narrow' : 'top'}>
        <span class="brand">Switchboard</span>
        {narrow ? signedIn : navigation}
        {narrow ? navigation : signedIn}
      </header>
      <main id="main" tabIndex={-1}>
        {!allowed ? (
          <section>
            <h1>Not allowed</h1>
            <p class="notice notice-error" role="alert">
              <strong>Problem: </strong>
              {known?.title} is for operators; {session.username} is not one. You can use the Fleet
              and Try it pages.
            </p>
          </section>
        ) : notAnAgent ? (
          <section>
            <h1>No such agent</h1>
            <p class="notice notice-error" role="alert">
              <strong>Problem: </strong>
              The address names “{plainText(argument ?? '')}”, which is no agent id (lower-case
              letters, digits and “-”). Choose an agent from the <a href="#/fleet">Fleet</a>.
            </p>
          </section>
        ) : page === 'agents' && argument ? (
          <AgentPage agentId={argument} />
        ) : page === 'register' ? (
          <RegisterPage key={argument ?? ''} editing={argument} />
        ) : page === 'permissions' ? (
          <PermissionsPage />
        ) : page === 'callers' ? (
          <CallersPage consoleClientId={session.clientId} adminScope={session.adminScope} />
        ) : page === 'try' ? (
          <TryItPage session={session} preselected={argument} />
        ) : page === 'activity' ? (
          <ActivityPage />
        ) : (
          <FleetPage session={session} />
        )}
      </main>
    </>
  )
}
