// The storefront: a cart, "Place order" (one order per cart id, however often it is pressed), the
// order's live status over Server-Sent Events, and the chaos panel. Plain browser JavaScript.
const $ = (id) => document.getElementById(id);
const art = { mug: ['M', '#fde68a'], tee: ['T', '#bfdbfe'], stickers: ['S', '#fbcfe8'], print: ['P', '#bbf7d0'] };
const money = (cents) => `$${(cents / 100).toFixed(2)}`;

let catalog = [];
let cart = { id: crypto.randomUUID(), lines: new Map() };

async function loadCatalog() {
  catalog = await (await fetch('/shop/api/catalog')).json();
  $('products').replaceChildren(
    ...catalog.map((p) => {
      const card = document.createElement('article');
      card.className = 'product';
      card.innerHTML = '<div class="art"></div><h3></h3><p class="muted"></p>';
      const [letter, color] = art[p.sku] ?? [p.name[0], '#e5e7eb'];
      card.querySelector('.art').textContent = letter;
      card.querySelector('.art').style.background = color;
      card.querySelector('h3').textContent = p.name;
      card.querySelector('p').textContent = `${money(p.price)} · ${p.stock > 100 ? 'in stock' : `${p.stock} left`}`;
      const add = document.createElement('button');
      add.type = 'button';
      add.textContent = 'Add to cart';
      add.dataset.sku = p.sku;
      add.disabled = p.stock === 0;
      add.addEventListener('click', () => {
        cart.lines.set(p.sku, (cart.lines.get(p.sku) ?? 0) + 1);
        renderCart();
      });
      card.append(add);
      return card;
    }),
  );
}

function renderCart() {
  const items = [...cart.lines].map(([sku, quantity]) => {
    const li = document.createElement('li');
    const product = catalog.find((p) => p.sku === sku);
    li.textContent = `${quantity} × ${product?.name ?? sku}  ${money((product?.price ?? 0) * quantity)}`;
    return li;
  });
  const total = [...cart.lines].reduce((sum, [sku, q]) => sum + (catalog.find((p) => p.sku === sku)?.price ?? 0) * q, 0);
  if (items.length === 0) $('cart-lines').innerHTML = '<li class="muted">Empty: add something.</li>';
  else $('cart-lines').replaceChildren(...items);
  $('cart-total').textContent = money(total);
  $('place').disabled = items.length === 0;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Places the cart's order; a 429 or a lost connection is retried politely with the same cart id. */
async function placeOrder() {
  $('place').disabled = true;
  const body = JSON.stringify({
    cartId: cart.id,
    email: $('email').value,
    card: $('card').value,
    lines: [...cart.lines].map(([sku, quantity]) => ({ sku, quantity })),
  });
  for (;;) {
    let response;
    try {
      response = await fetch('/shop/orders', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    } catch {
      $('place-note').textContent = 'We lost the connection to the shop; trying again…';
      await sleep(2_000);
      continue;
    }
    const answer = await response.json().catch(() => ({}));
    if (response.status === 202) {
      $('place-note').textContent = '';
      watch(answer);
      return;
    }
    if (response.status === 429 || response.status === 503) {
      const wait = Number(response.headers.get('retry-after') ?? 2) || 2;
      for (let left = wait; left > 0; left--) {
        $('place-note').textContent = `The shop is very busy right now — we'll place your order in ${left} s. Nothing was charged.`;
        await sleep(1_000);
      }
      continue;
    }
    $('place-note').textContent = answer.error ?? 'The order could not be placed; please check the form.';
    $('place').disabled = false;
    return;
  }
}

let stream = null;

function watch(placed) {
  $('order').hidden = false;
  $('again').hidden = true;
  $('order-id').textContent = placed.orderId.slice(0, 8);
  stream?.close();
  stream = new EventSource(placed.events);
  stream.addEventListener('order', (event) => {
    const view = JSON.parse(event.data);
    renderOrder(view);
    if (view.final) {
      stream.close();
      $('again').hidden = false;
      loadCatalog();
    }
  });
}

const stateNames = {
  queued: 'in line',
  processing: 'processing',
  retrying: 'will retry',
  confirmed: 'confirmed',
  failed: 'not completed',
};

function renderOrder(view) {
  $('order').dataset.state = view.state;
  $('order-state').textContent = stateNames[view.state] ?? view.state;
  $('order-state').className = `badge ${view.state}`;
  const percent = Math.round((view.step / view.stages) * 100);
  $('order-bar').style.width = `${view.state === 'queued' ? 3 : percent}%`;
  $('order-bar').parentElement.setAttribute('aria-valuenow', String(percent));
  for (const [i, li] of [...$('order-steps').children].entries()) li.classList.toggle('done', i < view.step);
  $('order-message').textContent = view.message;
  $('order-line').textContent = view.position
    ? inLine(view.position)
    : view.state === 'confirmed'
      ? 'Check the mailbox for your confirmation.'
      : '';
}

function inLine({ ahead, startsInSeconds }) {
  const where = ahead === 0 ? 'Your order is next in line' : `${ahead} ${ahead === 1 ? 'order is' : 'orders are'} ahead of yours`;
  return startsInSeconds === null ? `${where}.` : `${where}; it should start in about ${Math.max(1, startsInSeconds)} s.`;
}

$('place').addEventListener('click', placeOrder);
$('again').addEventListener('click', () => {
  cart = { id: crypto.randomUUID(), lines: new Map() };
  $('order').hidden = true;
  renderCart();
});

// The chaos panel.
async function post(path, body) {
  const response = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return response.json();
}

for (const button of document.querySelectorAll('[data-provider]')) {
  button.addEventListener('click', () => post('/shop/api/chaos', { provider: button.dataset.provider }).then(refreshState));
}
$('fail-every').addEventListener('change', () => post('/shop/api/chaos', { failEvery: Number($('fail-every').value) }));
$('flood').addEventListener('click', () =>
  post('/shop/api/flood', { rate: Number($('flood-rate').value), seconds: Number($('flood-seconds').value) }).then(refreshState),
);
$('flood-stop').addEventListener('click', () => post('/shop/api/flood', { stop: true }).then(refreshState));
$('replay').addEventListener('click', () => post('/shop/api/analytics/replay', {}).then(refreshState));

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

function entry(term, text, className) {
  const dt = document.createElement('dt');
  dt.textContent = term;
  const dd = document.createElement('dd');
  dd.textContent = text;
  if (className) dd.className = className;
  return [dt, dd];
}

async function refreshState() {
  const state = await (await fetch('/shop/api/state')).json();
  for (const button of document.querySelectorAll('[data-provider]'))
    button.classList.toggle('on', button.dataset.provider === state.provider.mode);
  const breaker = state.breaker?.status ?? 'closed';
  const q = state.queue ?? {};
  const f = state.flood;
  const events =
    Object.entries(state.analytics.events)
      .map(([name, n]) => `${name} ${n}`)
      .join(', ') || 'none yet';
  $('state').replaceChildren(
    ...entry(
      'Breaker',
      breaker === 'open'
        ? `OPEN — orders wait without spending attempts (${Math.max(0, Math.ceil((state.breaker.until - Date.now()) / 1000))} s to the next probe)`
        : breaker,
      breaker === 'open' ? 'open' : '',
    ),
    ...entry(
      'Orders queue',
      `${q.waiting ?? 0} waiting · ${q.active ?? 0} active · ${q.completed ?? 0} completed · ${q.failed ?? 0} failed`,
    ),
    ...entry(
      'Provider',
      `${state.provider.mode} · ${state.provider.calls} calls, ${state.provider.refused} refused · ${state.provider.charges} charges · charged twice: ${state.provider.chargedTwice}`,
    ),
    ...entry('Sales', `${plural(state.sales.orders, 'order')} · ${money(state.sales.revenue)}`),
    ...entry('Mailbox', plural(state.mailbox, 'confirmation e-mail')),
    ...entry('Analytics', `${events} (${state.analytics.deliveries} deliveries)`),
    ...entry(
      'Flood',
      f.carts
        ? `${f.running ? 'running' : 'done'} · ${f.carts} carts · ${f.accepted} accepted · ${f.tooBusy} × 429 (Retry-After ${f.lastRetryAfter ?? '–'} s) · ${f.backingOff} backing off`
        : 'off',
    ),
  );
}

await loadCatalog();
renderCart();
refreshState();
setInterval(refreshState, 1_000);
