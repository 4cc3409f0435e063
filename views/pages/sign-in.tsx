// The login and first-run setup pages: one small card each.
import { Page } from '../layouts/page.tsx';
import { FormError } from '../parts/form.tsx';

interface FormProps {
  email?: string;
  error?: string;
  next?: string;
}

function EmailAndPassword({ email, newPassword }: { email?: string; newPassword?: boolean }) {
  return (
    <>
      <div class="field">
        <label for="email">Email</label>
        <input id="email" name="email" type="email" autocomplete="username" required value={email ?? ''} autofocus={!email} />
      </div>
      <div class="field">
        <label for="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          required
          autocomplete={newPassword ? 'new-password' : 'current-password'}
          minlength={newPassword ? 10 : undefined}
          autofocus={!!email}
          aria-describedby={newPassword ? 'password-hint' : undefined}
        />
        {newPassword && (
          <p id="password-hint" class="muted">
            At least 10 characters.
          </p>
        )}
      </div>
    </>
  );
}

export function LoginPage({ email, error, next }: FormProps) {
  return (
    <Page title="Sign in" bodyClass="centered">
      <main class="card narrow">
        <h1>Sign in to Shoebox</h1>
        <FormError message={error} />
        <form method="post" action="/login">
          <input type="hidden" name="next" value={next ?? '/'} />
          <EmailAndPassword email={email} />
          <button class="primary wide" type="submit">
            Sign in
          </button>
        </form>
      </main>
    </Page>
  );
}

export function SetupPage({ email, error }: FormProps) {
  return (
    <Page title="Welcome" bodyClass="centered">
      <main class="card narrow">
        <h1>Welcome to Shoebox</h1>
        <p class="muted">Create the owner account. You will use it to upload photos, build albums and share them.</p>
        <FormError message={error} />
        <form method="post" action="/setup">
          <EmailAndPassword email={email} newPassword />
          <button class="primary wide" type="submit">
            Create account
          </button>
        </form>
      </main>
    </Page>
  );
}
