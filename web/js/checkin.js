// The check-in page's first script (/checkin.html?id=N&t=TOKEN): it imports
// nothing, so that on a slow phone network the purpose buttons can be tapped
// as soon as the page and its base stylesheet are in, before the rest of
// the page's code (checkin-page.js, fetched at once) arrives. A tap made
// before then is marked at once and carried out when that code is there.

const root = document.getElementById('checkin');
const buttons = [...document.querySelectorAll('#purposes .purpose')];
const q = new URLSearchParams(location.search);
const linkOk = /^[1-9]\d*$/.test(q.get('id') || '') && /^[A-Za-z0-9_-]{8,}$/.test(q.get('t') || '');
const page = import('./checkin-page.js');
// Its imports too, now and side by side, rather than one after the other.
for (const m of ['api', 'dom', 'i18n', 'chrome']) import(`./${m}.js`).catch(() => {});

if (linkOk) {
	let ready = false;
	for (const b of buttons) {
		b.addEventListener('click', () => {
			if (!ready) {
				for (const x of buttons) x.setAttribute('aria-pressed', String(x === b));
				b.classList.add('is-busy');
			}
			page.then((m) => {
				b.classList.remove('is-busy');
				m.choose(b.dataset.purpose);
			});
		});
		b.disabled = false;
	}
	root.dataset.state = 'ready';
	page.then(() => (ready = true));
}
page.then((m) => m.start());
