// Asks the service whether it is up and says so on the page.
document.addEventListener('DOMContentLoaded', async () => {
  const status = document.getElementById('status');
  try {
    const res = await fetch('/healthz', { cache: 'no-store' });
    status.textContent = res.ok ? 'The service is up.' : `The service answered ${res.status}.`;
    status.className = res.ok ? 'ok' : 'down';
  } catch {
    status.textContent = 'The service cannot be reached.';
    status.className = 'down';
  }
});
