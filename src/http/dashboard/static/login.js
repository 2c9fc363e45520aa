// Says why the login form is shown again: a wrong token, an expired session, or a logout.
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  const query = new URLSearchParams(location.search);
  const text = query.has('failed')
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
});
