// The fake mailbox: lists the confirmation e-mails, refreshed every two seconds.
async function refresh() {
  const mails = await (await fetch('/shop/api/mailbox')).json();
  const list = document.getElementById('mails');
  if (mails.length === 0) {
    list.innerHTML = '<p class="muted">No mail yet: place an order.</p>';
    return;
  }
  list.replaceChildren(
    ...mails.map((mail) => {
      const article = document.createElement('article');
      article.className = 'panel mail';
      article.style.marginBottom = '0.75rem';
      const h = document.createElement('h2');
      h.textContent = mail.subject;
      const meta = document.createElement('p');
      meta.className = 'muted';
      meta.textContent = `To ${mail.to} · ${new Date(mail.at).toLocaleTimeString()}`;
      const body = document.createElement('pre');
      body.textContent = mail.body;
      article.append(h, meta, body);
      return article;
    }),
  );
}

await refresh();
setInterval(refresh, 2_000);
