import { useState, type FormEvent } from 'react';

/**
 * Sign-in: a demo person's bearer token (`npm run token -- <email>` at the hub) or an API key, pasted in. Both travel
 * the same way, as `Authorization: Bearer …`; the hub tells which it was and who the viewer is.
 */
export function SignIn({ signedIn, onToken }: { signedIn: boolean; onToken: (token: string | null) => void }) {
  const [text, setText] = useState('');

  function submit(event: FormEvent) {
    event.preventDefault();
    const token = text.trim().replace(/^Bearer\s+/i, '');
    if (!token) return;
    setText('');
    onToken(token);
  }

  if (signedIn) {
    return (
      <button type="button" onClick={() => onToken(null)}>
        Sign out
      </button>
    );
  }
  return (
    <form className="sign-in" onSubmit={submit}>
      <label htmlFor="token">Bearer token or API key</label>
      <input
        id="token"
        name="token"
        type="password"
        autoComplete="off"
        spellCheck={false}
        placeholder="paste it here"
        value={text}
        onChange={(e) => setText(e.target.value)}
      />
      <button type="submit" disabled={!text.trim()}>
        Sign in
      </button>
      <span className="meta">
        A demo token: <code>npm run token -- tom.baker@meridianbank.example</code>
      </span>
    </form>
  );
}
