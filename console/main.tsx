import { render } from 'preact'
import { messageOf } from './api.ts'
import { App } from './app.tsx'
import {
  beginSignIn,
  type ConsoleSettings,
  completeSignIn,
  currentSession,
  endSession,
  loadSettings,
  onSignedOutElsewhere,
  signOut,
} from './auth.ts'
import './style.css'

const root = document.getElementById('app') as HTMLElement

const SignIn = ({ settings, problem }: { settings: ConsoleSettings; problem?: string }) => (
  <main class="sign-in" id="main">
    <h1>Switchboard console</h1>
    {problem ? (
      <p class="notice notice-error" role="alert">
        <strong>Problem: </strong>
        {problem}
      </p>
    ) : null}
    <p>Sign in to see and run the fleet.</p>
    <button
      type="button"
      class="primary"
      onClick={() => beginSignIn(settings, location.hash || '#/fleet')}
    >
      Sign in
    </button>
  </main>
)

/**
 * What the page shows from Sign out on: nothing of the session. The browser may keep the page it
 * leaves for Back (its back/forward cache), and an identity provider slow to answer the logout
 * leaves it on screen meanwhile; until 7 December 2026 both showed what the operator last saw.
 */
const SigningOut = () => (
  <main class="sign-in" id="main">
    <h1>Switchboard console</h1>
    <p role="status">Signing out…</p>
  </main>
)

const show = (settings: ConsoleSettings, problem?: string) => {
  const session = currentSession()
  if (!session)
    return render(<SignIn settings={settings} {...(problem ? { problem } : {})} />, root)
  const onSignOut = () => {
    render(<SigningOut />, root)
    endSession(settings)
  }
  render(<App session={session} onSignOut={onSignOut} />, root)
}

const start = async () => {
  const settings = await loadSettings()
  onSignedOutElsewhere(() => {
    if (!currentSession()) return
    signOut()
    show(settings, 'You signed out in another tab: sign in again.')
  })
  try {
    await completeSignIn(settings)
  } catch (error) {
    return show(settings, messageOf(error))
  }
  show(settings)
  // The token lives in memory only: when it expires, the person signs in again.
  setInterval(() => {
    if (!currentSession() && document.querySelector('.top')) {
      show(settings, 'Your session has expired: sign in again.')
    }
  }, 30_000)
  // A page the browser kept and shows again on Back (`persisted`) asks to sign in, if signed out.
  addEventListener('pageshow', (event) => {
    if (event.persisted && !currentSession()) show(settings)
  })
  addEventListener('switchboard:signed-out', () => {
    signOut()
    show(settings, 'Your session has expired: sign in again.')
  })
}

start().catch((error: unknown) => {
  root.textContent = `The console could not start: ${messageOf(error)}`
})
