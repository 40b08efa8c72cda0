// "Beri tahu saya" (kiosk/templates/kiosk/notify_button.html): subscribes this browser to Web Push
// for the page's ticket or booking, so the hall can say "3 more before you" and "called to Loket 7"
// while the page is closed. The service worker (/sw.js) shows the pushes. Offered only where the
// browser has service workers, PushManager and notifications, and the hall has push on.

const box = document.getElementById('notify');
const on = document.getElementById('notify-on');
const off = document.getElementById('notify-off');
const states = ['on', 'denied', 'failed'].map((name) => [name, document.getElementById(`notify-state-${name}`)]);

function show(state) {
  for (const [name, element] of states) element.hidden = name !== state;
  on.hidden = state === 'on';
  off.hidden = state !== 'on';
}

function keyBytes(base64url) {
  const text = atob(base64url.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (base64url.length % 4)) % 4));
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

async function send(method, body) {
  const response = await fetch(box.dataset.pushUrl, { method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok && response.status !== 404) throw new Error(`push subscription: HTTP ${response.status}`);
}

async function subscribe() {
  if ((await Notification.requestPermission()) !== 'granted') return show('denied');
  try {
    const key = await fetch('/api/v1/push/key').then((r) => r.json());
    const registration = await navigator.serviceWorker.register('/sw.js');
    await navigator.serviceWorker.ready;
    const subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key.public_key) });
    await send('POST', subscription.toJSON());
    show('on');
  } catch {
    show('failed');
  }
}

async function unsubscribe() {
  const registration = await navigator.serviceWorker.getRegistration('/');
  const subscription = registration && (await registration.pushManager.getSubscription());
  if (subscription) {
    await send('DELETE', { endpoint: subscription.endpoint }).catch(() => {});
    await subscription.unsubscribe();
  }
  show(null);
}

async function start() {
  if (!box || !('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window)) return;
  const key = await fetch('/api/v1/push/key').catch(() => null);
  if (!key || !key.ok) return; // push is off in this hall
  box.hidden = false;
  on.addEventListener('click', subscribe);
  off.addEventListener('click', unsubscribe);
}

start();
