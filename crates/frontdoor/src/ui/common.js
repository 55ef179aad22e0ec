// Helpers every page of the local gateway shares: requests that speak JSON and show problems,
// forms that post their fields, live streams, and the header with every system's page.
'use strict';
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

// A request; resolves to {status, body, headers}. Bodies are JSON with a JSON content type.
async function api(method, path, body, headers = {}) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const r = await fetch(path, init);
  const text = await r.text();
  let parsed = null;
  try { parsed = text ? JSON.parse(text) : null; } catch { parsed = text; }
  return { status: r.status, body: parsed, headers: r.headers };
}

// Shows a reply in an output element: the resource, or the problem's title and detail.
function show(out, r) {
  const el = typeof out === 'string' ? $(out) : out;
  if (!el) return;
  const problem = r.body && r.body.status && r.body.detail !== undefined;
  el.className = 'out ' + (r.status < 400 ? 'good' : 'bad');
  el.textContent = problem
    ? `${r.status} ${r.body.title}: ${r.body.detail}`
    : `${r.status} ${JSON.stringify(r.body, null, 1)}`;
}

// The form's fields as a JSON object: numbers for number inputs, empty fields left out.
function fields(form) {
  const body = {};
  for (const el of form.elements) {
    if (!el.name || el.value === '') continue;
    body[el.name] = el.type === 'number' ? Number(el.value) : el.value;
  }
  return body;
}

// Runs `handler(fields, form)` on submit, without leaving the page.
function onSubmit(id, handler) {
  $(id).addEventListener('submit', async (e) => { e.preventDefault(); await handler(fields(e.target), e.target); });
}

// Listens to a Server-Sent Events stream; `onEvent(name, data)` for each event.
function live(path, names, onEvent) {
  const source = new EventSource(path);
  for (const name of names) source.addEventListener(name, (m) => onEvent(name, JSON.parse(m.data)));
  return source;
}

// A table from rows: columns are [heading, (row) => cell text].
function table(id, columns, rows) {
  $(id).innerHTML = '<tr>' + columns.map(([h]) => `<th>${esc(h)}</th>`).join('') + '</tr>' +
    rows.map((row) => '<tr>' + columns.map(([, cell]) => `<td>${esc(cell(row))}</td>`).join('') + '</tr>').join('');
}

// The header: the console and every system's page.
async function header(current) {
  const h = await api('GET', '/health');
  const links = [['/', 'console'], ...h.body.systems.map((s) => [`/ui/${s}`, s])];
  document.querySelector('header nav').innerHTML = links
    .map(([href, name]) => `<a href="${href}" class="${name === current ? 'here' : ''}">${esc(name)}</a>`).join('');
}
