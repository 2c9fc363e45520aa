// Says why the login form is shown again: a wrong token, an expired session, or a logout.
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  const query = new URLSearchParams(location.search);
  const oidcFaults = {
    OIDC_NO_ROLE: 'You logged in, but your account has no role at this gateway. Ask for one.',
    OIDC_PROVIDER_UNREACHABLE: 'The login provider could not be reached. Try again, or use a token.',
  };
  const text = query.has('oidc')
    ? (oidcFaults[query.get('oidc')] ?? 'The login through your organisation did not go through. Try again.')
    : query.has('failed')
      ? 'That token is not the operator token of any account. Try again.'
      : query.has('expired')
        ? 'Your session has ended; log in again.'
        : query.has('loggedOut')
          ? 'You are logged out.'
          : '';
  const m = document.getElementById('login-message');
  m.textContent = text;
  m.hidden = !text;
  if (query.has('loggedOut')) m.className = 'message';
  fetch('/ops/oidc')
    .then((r) => r.json())
    .then((o) => {
      document.getElementById('oidc-login').hidden = !o.enabled;
    })
    .catch(() => undefined);
});
