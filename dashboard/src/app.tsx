/**
 * The shell: sign-in gate, header with navigation and the signed-in token, and the screen for
 * the current path. Each screen handles its own loading, error and empty states.
 */
import type { ReactNode } from 'react';
import { type Session, SignedIn, useSessionState } from './auth/session.js';
import { SignIn } from './auth/sign-in.js';
import { Link } from './components/link.js';
import { ErrorNotice, Loading } from './components/states.js';
import { useLocation } from './lib/router.js';
import { BreakersPage } from './pages/breakers.js';
import { SchedulesPage } from './pages/schedules.js';
import { GroupPage } from './pages/group-detail.js';
import { DeadLettersPage } from './pages/dead-letters.js';
import { JobDetailPage } from './pages/job-detail.js';
import { JobsPage } from './pages/jobs.js';
import { OverviewPage } from './pages/overview.js';
import { QueuePage } from './pages/queue-detail.js';
import { TopicPage } from './pages/topic-detail.js';
import { TopicsPage } from './pages/topics.js';
import { WorkersPage } from './pages/workers.js';

export function App() {
  const { state, signIn, retry } = useSessionState();
  if (state.kind === 'checking')
    return (
      <Centered>
        <Loading what="the dashboard" />
      </Centered>
    );
  if (state.kind === 'unreachable')
    return (
      <Centered>
        <ErrorNotice error={new Error(state.message)} onRetry={retry} />
      </Centered>
    );
  if (state.kind === 'signed-out') return <SignIn message={state.message} onSignIn={signIn} />;
  return (
    <SignedIn session={state.session}>
      <Shell session={state.session} />
    </SignedIn>
  );
}

function Centered({ children }: { children: ReactNode }) {
  return <main className="centered">{children}</main>;
}

const nav = [
  { to: '/', label: 'Overview', match: (path: string) => path === '/' },
  { to: '/jobs', label: 'Jobs', match: (path: string) => path.startsWith('/jobs') },
  { to: '/dead-letters', label: 'Dead letters', match: (path: string) => path.startsWith('/dead-letters') },
  { to: '/breakers', label: 'Breakers', match: (path: string) => path.startsWith('/breakers') },
  { to: '/schedules', label: 'Schedules', match: (path: string) => path.startsWith('/schedules') },
  { to: '/topics', label: 'Topics', match: (path: string) => path.startsWith('/topics') },
  { to: '/workers', label: 'Workers', match: (path: string) => path.startsWith('/workers') },
];

function Shell({ session }: { session: Session }) {
  const { path } = useLocation();
  const { principal } = session;
  return (
    <>
      <header className="topbar">
        <Link to="/" className="brand">
          <span className="logo" aria-hidden="true" />
          Spool
        </Link>
        <nav className="nav" aria-label="Main">
          {nav.map((item) => (
            <Link key={item.to} to={item.to} className="nav-link" aria-current={item.match(path) ? 'page' : undefined}>
              {item.label}
            </Link>
          ))}
        </nav>
        <div className="who" data-testid="who">
          <span className="who-name" title={`Scopes: ${principal.scopes.join(', ')}`}>
            {principal.name}
          </span>
          <span className={`scope ${session.canAdmin ? 'scope-admin' : 'scope-read'}`}>{session.canAdmin ? 'admin' : 'read-only'}</span>
          {principal.insecure ? null : (
            <button type="button" className="button button-small" onClick={session.signOut}>
              Sign out
            </button>
          )}
        </div>
      </header>
      {principal.insecure ? (
        <p className="banner" role="note">
          Insecure dev mode: this server accepts every request without a token. Never expose it beyond this machine.
        </p>
      ) : null}
      <main className="main">
        <Screen path={path} />
      </main>
    </>
  );
}

function Screen({ path }: { path: string }) {
  if (path === '/') return <OverviewPage />;
  if (path === '/jobs') return <JobsPage />;
  if (path === '/dead-letters') return <DeadLettersPage />;
  if (path === '/workers') return <WorkersPage />;
  const job = /^\/jobs\/(\d{1,19})\/?$/.exec(path);
  if (job) return <JobDetailPage key={job[1]} id={job[1] as string} />;
  if (path === '/topics' || path === '/topics/') return <TopicsPage />;
  const topic = /^\/topics\/([^/]+)\/?$/.exec(path);
  if (topic) return <TopicPage key={topic[1]} topic={decoded(topic[1] as string)} />;
  if (path === '/breakers' || path === '/breakers/') return <BreakersPage />;
  if (path === '/schedules' || path === '/schedules/') return <SchedulesPage />;
  const group = /^\/groups\/(grp_[a-z0-9]{1,64})\/?$/.exec(path);
  if (group) return <GroupPage key={group[1]} id={group[1] as string} />;
  const queue = /^\/queues\/([^/]+)\/?$/.exec(path);
  if (queue) return <QueuePage key={queue[1]} queue={decoded(queue[1] as string)} />;
  return (
    <section className="page">
      <h1>Nothing here</h1>
      <p>
        There is no page at <code>{path}</code>. Go to the <Link to="/">overview</Link> or the <Link to="/jobs">jobs</Link>.
      </p>
    </section>
  );
}

/** A path segment as it was before encoding; a malformed escape is kept as it is. */
function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
