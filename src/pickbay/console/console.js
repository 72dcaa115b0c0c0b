// The pickbay operator console: a board of every dialect's orders, one order in full, the
// machines to play, and the sandbox clock. It reads /pickbay/v1 with the admin token and
// follows the event feed (/pickbay/v1/events/stream) to stay live.

const API = "/pickbay/v1";
const TOKEN_KEY = "pickbay.console.token";


// ------------------------------------------------------------------ small helpers

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function when(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toISOString().replace("T", " ").slice(0, 19);
}

function toast(text, kind = "info") {
  const el = h("div", { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status" }, text);
  document.getElementById("toasts").append(el);
  setTimeout(() => el.remove(), kind === "error" ? 8000 : 4000);
}

class ApiError extends Error {}

async function api(path, { method = "GET", body, raw = false } = {}) {
  const headers = { Authorization: `Bearer ${token()}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(API + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401) {
    signIn("The admin token was refused.");
    throw new ApiError("Not signed in.");
  }
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const problem = (await response.json()).error;
      message = problem.detail || problem.title;
      if (problem.errors) {
        message += ": " + Object.entries(problem.errors).map(([k, v]) => `${k} ${v.join(", ")}`).join("; ");
      }
    } catch (_) { /* not JSON: keep the status line */ }
    throw new ApiError(message);
  }
  if (raw) return response;
  return response.status === 204 ? null : response.json();
}

// Runs an operator action, reports its outcome, and lets the feed bring the change.
async function act(label, fn) {
  try {
    await fn();
    toast(`${label}: done`);
  } catch (err) {
    toast(`${label}: ${err.message}`, "error");
  }
}

// ------------------------------------------------------------------ signing in

function token() {
  return localStorage.getItem(TOKEN_KEY) || "";
}

let signedIn = null; // resolves once a token works
let resolveSignedIn = null;

function signIn(message = "") {
  const dialog = document.getElementById("signin");
  document.getElementById("signin-error").textContent = message;
  if (!dialog.open) dialog.showModal();
  document.getElementById("signin-token").focus();
}

async function tokenWorks(candidate) {
  const r = await fetch(`${API}/clock`, { headers: { Authorization: `Bearer ${candidate}` } });
  return r.ok;
}

function setUpSignIn() {
  const form = document.getElementById("signin-form");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const candidate = document.getElementById("signin-token").value.trim();
    if (!(await tokenWorks(candidate))) {
      document.getElementById("signin-error").textContent = "That token was refused.";
      return;
    }
    localStorage.setItem(TOKEN_KEY, candidate);
    document.getElementById("signin").close();
    if (resolveSignedIn) resolveSignedIn();
  });
  document.getElementById("signin").addEventListener("cancel", (ev) => ev.preventDefault());
  signedIn = new Promise((resolve) => { resolveSignedIn = resolve; });
}

// ------------------------------------------------------------------ the clock

const clock = { now: null, paused: true, speed: 1, readAt: 0 };

function showClock() {
  if (!clock.now) return;
  const elapsed = clock.paused ? 0 : (performance.now() - clock.readAt) * clock.speed;
  const now = new Date(clock.now.getTime() + elapsed);
  document.getElementById("clock-now").textContent = now.toISOString().replace("T", " ").slice(0, 19) + " UTC";
  document.getElementById("clock-mode").textContent = clock.paused ? "paused" : `running ${clock.speed}×`;
  document.getElementById("clock-mode").className = `badge ${clock.paused ? "paused" : "running"}`;
  document.getElementById("clock-toggle").textContent = clock.paused ? "Resume" : "Pause";
}

function takeClock(view) {
  clock.now = new Date(view.now);
  clock.paused = view.paused;
  clock.speed = view.speed;
  clock.readAt = performance.now();
  const select = document.getElementById("clock-speed");
  if (![...select.options].some((o) => Number(o.value) === view.speed)) {
    select.append(h("option", { value: view.speed }, `${view.speed}×`));
  }
  select.value = String(view.speed);
  showClock();
}

async function readClock() {
  try {
    takeClock(await api("/clock"));
  } catch (_) { /* shown by api() */ }
}

function setUpClock() {
  document.getElementById("clock-toggle").addEventListener("click", () =>
    act(clock.paused ? "Resume" : "Pause", async () => takeClock(await api("/clock", { method: "POST", body: { paused: !clock.paused } }))));
  document.getElementById("clock-speed").addEventListener("change", (ev) =>
    act("Speed", async () => takeClock(await api("/clock", { method: "POST", body: { speed: Number(ev.target.value) } }))));
  for (const button of document.querySelectorAll("[data-advance]")) {
    button.addEventListener("click", () =>
      act(`Fast-forward ${button.textContent}`, async () => {
        const view = await api("/clock/advance", { method: "POST", body: { seconds: Number(button.dataset.advance) } });
        takeClock(view);
        toast(`${view.timersFired} simulation step(s) ran`);
      }));
  }
  setInterval(showClock, 250);
  setInterval(readClock, 5000);
}

// ------------------------------------------------------------------ the live feed

const listeners = new Set();
let feedPosition = null;

function setLive(on) {
  const el = document.getElementById("live");
  el.classList.toggle("off", !on);
  el.title = on ? "live: following the event feed" : "reconnecting to the event feed";
}

// Follows the SSE stream with fetch (which can send the token), resuming after the last id.
async function follow() {
  for (;;) {
    try {
      const query = feedPosition === null ? "" : `?since=${feedPosition}`;
      const response = await api(`/events/stream${query}`, { raw: true });
      setLive(true);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let id = null;
          let data = "";
          for (const line of message.split("\n")) {
            if (line.startsWith("id: ")) id = Number(line.slice(4));
            else if (line.startsWith("data: ")) data += line.slice(6);
          }
          if (id !== null && data) {
            feedPosition = id;
            const event = JSON.parse(data);
            for (const listener of listeners) listener(event);
          }
        }
      }
    } catch (_) { /* reconnect below */ }
    setLive(false);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

// Collects the order ids the feed mentions and hands them over at most every 100 ms.
function batched(fn) {
  let ids = new Set();
  let timer = null;
  return (event) => {
    if (event.orderId === null) return;
    ids.add(event.orderId);
    if (timer === null) {
      timer = setTimeout(() => {
        const taken = ids;
        ids = new Set();
        timer = null;
        fn([...taken]);
      }, 100);
    }
  };
}

// ------------------------------------------------------------------ views

let facets = null;
// Each vendor's part of the console (its order and line actions, its machines), a module the
// server lists in the facets; a vendor without one is shown but not played.
const vendors = {};

async function loadVendors() {
  for (const [name, d] of Object.entries(facets.dialects)) {
    if (d.console) vendors[name] = await import(d.console);
  }
}

function view() {
  return document.getElementById("view");
}

function badge(state) {
  return h("span", { class: "badge state", "data-state": state }, state);
}

// Each vendor's title, as the server's registry names it (`/orders/facets`).
function dialectTitle(dialect) {
  return facets?.dialects[dialect]?.title || dialect;
}

function dialectBadge(dialect) {
  return h("span", { class: `badge dialect ${dialect}` }, dialectTitle(dialect));
}

// ---- the board

const filter = { dialect: "", tenant: "", state: "" };

function select(label, name, options, current, onChange) {
  return h("label", {}, label, " ",
    h("select", { name, "aria-label": label, onchange: (ev) => onChange(ev.target.value) },
      h("option", { value: "" }, "all"),
      options.map((o) => h("option", { value: o.value, selected: o.value === current }, o.label))));
}

function filterBar(rerender) {
  const dialects = Object.entries(facets.dialects);
  const chosen = filter.dialect ? [[filter.dialect, facets.dialects[filter.dialect]]] : dialects;
  const tenants = [...new Set(chosen.flatMap(([, d]) => d.tenants))].sort();
  const states = [...new Set(chosen.flatMap(([, d]) => d.states))];
  return h("form", { class: "filters", onsubmit: (ev) => ev.preventDefault() },
    select("Dialect", "dialect", dialects.map(([k, d]) => ({ value: k, label: d.title })), filter.dialect,
      (v) => { filter.dialect = v; filter.state = ""; filter.tenant = ""; rerender(); }),
    select("Tenant", "tenant", tenants.map((t) => ({ value: t, label: t })), filter.tenant,
      (v) => { filter.tenant = v; rerender(); }),
    select("State", "state", states.map((s) => ({ value: s, label: s })), filter.state,
      (v) => { filter.state = v; rerender(); }));
}

function matches(o) {
  return (!filter.dialect || o.dialect === filter.dialect)
    && (!filter.tenant || o.tenant === filter.tenant)
    && (!filter.state || o.state === filter.state);
}

function orderRow(o) {
  return h("tr", { "data-order": o.id, onclick: () => { location.hash = `#/orders/${o.id}`; } },
    h("td", {}, h("a", { href: `#/orders/${o.id}` }, o.id)),
    h("td", {}, dialectBadge(o.dialect)),
    h("td", {}, o.tenant),
    h("td", { class: "number" }, o.number),
    h("td", {}, o.kind),
    h("td", {}, badge(o.state)),
    h("td", {}, when(o.updatedAt || o.createdAt)));
}

async function showBoard({ on, show }) {
  const params = new URLSearchParams({ limit: "50" });
  for (const [k, v] of Object.entries(filter)) if (v) params.set(k, v);
  const body = h("tbody");
  const rows = new Map();
  let next = null;
  const empty = h("p", { class: "empty" }, "No orders yet. Create one through any of the APIs; it appears here as it happens.");
  const more = h("button", { type: "button", class: "more", hidden: true }, "Load older orders");
  const put = (o) => {
    const row = orderRow(o);
    const old = rows.get(o.id);
    rows.set(o.id, row);
    if (old) old.replaceWith(row);
    else {
      const below = [...body.children].find((r) => Number(r.dataset.order) < o.id);
      if (below) below.before(row);
      else body.append(row);
    }
    empty.hidden = true;
    return row;
  };
  let loaded = null;
  on(batched(async (ids) => {
    await loaded;
    const found = [];
    for (let i = 0; i < ids.length; i += 200) {
      const chunk = ids.slice(i, i + 200);
      found.push(...(await api(`/orders?${chunk.map((id) => `id=${id}`).join("&")}`)).orders);
    }
    for (const o of found) {
      if (!matches(o)) {
        rows.get(o.id)?.remove();
        rows.delete(o.id);
      } else if (rows.has(o.id) || next === null || o.id > Math.min(...rows.keys())) {
        put(o).classList.add("flash");
      }
    }
    empty.hidden = rows.size > 0;
  }));
  loaded = api(`/orders?${params}`);
  const first = await loaded;
  for (const o of first.orders) put(o);
  next = first.next;
  more.hidden = next === null;
  empty.hidden = rows.size > 0;
  more.addEventListener("click", async () => {
    params.set("before", String(next));
    const page = await api(`/orders?${params}`);
    for (const o of page.orders) put(o);
    next = page.next;
    more.hidden = next === null;
  });
  show(
    h("section", { class: "board" },
      h("h1", {}, "Orders"),
      filterBar(() => route()),
      h("table", { class: "orders", "data-testid": "orders" },
        h("thead", {}, h("tr", {}, ["#", "Dialect", "Tenant", "Number", "Kind", "State", "Updated"].map((t) => h("th", {}, t)))),
        body),
      empty,
      more));
}

// ---- one order

function labelImage(symbology, text, caption) {
  const img = h("img", { alt: `${caption}: ${text}`, "data-label": symbology });
  api(`/labels/${symbology}.svg?${new URLSearchParams({ text, scale: "4" })}`, { raw: true })
    .then((r) => r.blob())
    .then((blob) => { img.src = URL.createObjectURL(blob); })
    .catch(() => {});
  return h("figure", { class: "label" }, img, h("figcaption", {}, caption, h("br"), h("code", {}, text)));
}

function quantityInput(value, name) {
  return h("input", { type: "number", min: "0", step: "1", value, name, "aria-label": name, class: "qty" });
}

function orderActions(d, reload) {
  const buttons = vendors[d.order.dialect]?.orderActions?.(d, reload, new Set(d.triggers)) ?? [];
  return buttons.length ? h("div", { class: "actions" }, buttons) : h("p", { class: "muted" }, "Nothing can happen to this order now.");
}

function lineActions(d, line, reload) {
  return vendors[d.order.dialect]?.lineActions?.(d, line, reload, new Set(d.triggers)) ?? null;
}

function linesTable(d, reload) {
  const done = vendors[d.order.dialect]?.doneLabel ?? "Done";
  return h("table", { class: "lines", "data-testid": "lines" },
    h("thead", {}, h("tr", {}, ["Line", "Product", "Name", "Quantity", done, "State", ""].map((t) => h("th", {}, t)))),
    h("tbody", {}, d.lines.map((line) => [h("tr", { "data-line": line.key },
      h("td", {}, line.key),
      h("td", { class: "number" }, line.sku),
      h("td", {}, line.name),
      h("td", {}, line.quantity),
      h("td", {}, line.done, line.short ? ` (${line.short} short)` : ""),
      h("td", {}, badge(line.state)),
      h("td", {}, lineActions(d, line, reload))),
    packRows(line)])));
}

// The packs stored for a Pickup Cloud line (and those already handed out), one row each.
function packRows(line) {
  const packs = [...(line.packs || []).map((p) => [p, "stored"]), ...(line.pickedUp || []).map((p) => [p, "handed out"])];
  return packs.map(([p, where]) => h("tr", { class: "pack", "data-pack": p.internalId },
    h("td", {}),
    h("td", { class: "number", colspan: "6" },
      `pack ${p.internalId} (${where}): batch ${p.batchNumber ?? "–"}, expires ${p.expiryDate ?? "–"}, `
      + `serial ${p.serialNumber ?? "–"}${p.isInFridge ? ", in the fridge" : ""}`)));
}

function eventRow(e) {
  return h("tr", { "data-seq": e.seq },
    h("td", {}, e.seq),
    h("td", {}, when(e.at)),
    h("td", {}, e.type),
    h("td", {}, h("code", { class: "payload" }, JSON.stringify(e.payload))));
}

async function allEvents(orderId) {
  const out = [];
  let since = 0;
  for (;;) {
    const page = await api(`/events?order=${orderId}&since=${since}&limit=1000`);
    out.push(...page.events);
    since = page.next;
    if (!page.more) return out;
  }
}

async function showOrder(orderId, { on, show }) {
  const history = h("tbody");
  const seen = new Set();
  const addEvents = (events) => {
    for (const e of events) {
      if (seen.has(e.seq)) continue;
      seen.add(e.seq);
      const later = [...history.children].find((r) => Number(r.dataset.seq) > e.seq);
      if (later) later.before(eventRow(e));
      else history.append(eventRow(e));
    }
  };
  const section = h("section", { class: "order" });
  const draw = (d) => {
    const o = d.order;
    const labels = d.codes ? h("div", { class: "labels" },
      labelImage("qr", d.codes.pickup, "Pickup code"),
      labelImage("datamatrix", d.codes.storage, "Storage code"),
      h("button", { type: "button", class: "print", onclick: () => window.print() }, "Print labels")) : null;
    section.replaceChildren(
      h("p", {}, h("a", { href: "#/" }, "← all orders")),
      h("h1", {}, dialectBadge(o.dialect), " ", h("span", { class: "number", "data-testid": "order-number" }, o.number), " ", h("span", { "data-testid": "order-state" }, badge(o.state))),
      h("dl", { class: "facts" },
        h("dt", {}, "Order id"), h("dd", {}, o.id),
        h("dt", {}, "Tenant"), h("dd", {}, o.tenant),
        h("dt", {}, "Kind"), h("dd", {}, o.kind),
        h("dt", {}, "Created"), h("dd", {}, when(o.createdAt)),
        h("dt", {}, "Updated"), h("dd", {}, when(o.updatedAt))),
      orderActions(d, reload),
      labels,
      h("h2", {}, "Lines"),
      linesTable(d, reload),
      h("details", {}, h("summary", {}, `As the ${dialectTitle(o.dialect)} API shows it`),
        h("pre", { class: "native" }, JSON.stringify(d.native, null, 2))),
      h("h2", {}, "History"),
      h("table", { class: "history", "data-testid": "history" },
        h("thead", {}, h("tr", {}, ["Seq", "At", "Event", "Payload"].map((t) => h("th", {}, t)))),
        history));
  };
  // One read at a time; a change that arrives during a read gets one more read after it.
  let loading = null;
  let again = false;
  async function reload() {
    if (loading) {
      again = true;
      return loading;
    }
    loading = (async () => {
      do {
        again = false;
        draw(await api(`/orders/${orderId}`));
      } while (again);
    })().finally(() => { loading = null; });
    return loading;
  }
  on((e) => {
    if (e.orderId !== orderId) return;
    addEvents([e]);
    reload().catch(() => {});
  });
  draw(await api(`/orders/${orderId}`));
  addEvents(await allEvents(orderId));
  show(section);
}

// ---- the machines

async function showMachines({ on, show }) {
  const result = h("div", { class: "result", "data-testid": "machine-result", "aria-live": "polite" });
  const station = (title, help, name, label, run) => {
    const input = h("input", { type: "text", name, autocomplete: "off", "aria-label": label, placeholder: "scan or type" });
    return h("form", { class: "station", onsubmit: (ev) => {
      ev.preventDefault();
      const code = input.value.trim();
      if (!code) return;
      act(title, async () => {
        result.replaceChildren(await run(code));
        input.value = "";
        input.focus();
      });
    } }, h("h3", {}, title), h("p", { class: "muted" }, help), input, h("button", { type: "submit" }, label));
  };
  const summary = (o) => h("p", {}, "Order ", h("a", { href: `#/orders/${o.id}` }, o.orderNumber), ` of ${o.tenant} is now `, badge(o.state), ".");
  const parts = await Promise.all(Object.values(vendors).map((v) => v.machines?.({ on, station, summary, result }) ?? []));
  const deployment = h("div", { "data-testid": "deployment" });
  const faults = h("div", { "data-testid": "faults" });
  const refresh = async () => {
    deployment.replaceChildren(...cluster(await api("/cluster")));
    faults.replaceChildren(...faultPanel((await api("/faults")).faults, refresh));
  };
  await refresh();
  every(2000, refresh);
  show(h("section", { class: "machines" }, h("h1", {}, "Machines"), ...parts.flat(),
    h("h2", {}, "Faults"), faults, h("h2", {}, "Deployment"), deployment));
}

// The faults that make the sandbox fail on purpose (docs/faults.md): the common ones to add,
// every one with its counters, each to remove.
const FAULT_KINDS = {
  "API answers 503": (s) => ({ status: 503, retryAfter: 30, ...s }),
  "API answers 500": (s) => ({ status: 500, ...s }),
  "API answers 429": (s) => ({ status: 429, retryAfter: 10, ...s }),
  "API answers 5 s late": (s) => ({ delayMs: 5000, ...s }),
  "Machine offline": (s) => ({ offline: true, ...s }),
  "Machine 3 times slower": (s) => ({ slow: 3, ...s }),
  "Realtime pushes 2 s late": ({ vendor, seconds }) => ({ vendor, seconds, pushDelayMs: 2000 }),
  "Drop realtime connections": ({ vendor }) => ({ vendor, drop: true }),
  "Notifications twice": (s) => ({ webhook: "duplicate", ...s }),
  "Notifications 60 s late": (s) => ({ webhook: "late", lateSeconds: 60, ...s }),
};

function faultPanel(list, refresh) {
  const vendor = h("select", { name: "faultVendor", "aria-label": "Vendor" },
    ...Object.entries(facets.dialects).map(([name, d]) => h("option", { value: name }, d.title || name)));
  const kind = h("select", { name: "faultKind", "aria-label": "Fault" },
    ...Object.keys(FAULT_KINDS).map((k) => h("option", { value: k }, k)));
  const seconds = h("input", { type: "number", name: "faultSeconds", min: "1", value: "300", "aria-label": "For seconds" });
  const add = h("form", { class: "station", "data-testid": "fault-form", onsubmit: (ev) => {
    ev.preventDefault();
    const body = FAULT_KINDS[kind.value]({ vendor: vendor.value, seconds: Number(seconds.value) });
    act(kind.value, async () => {
      await api("/faults", { method: "POST", body });
      await refresh();
    });
  } }, h("h3", {}, "Make it fail"), h("p", { class: "muted" }, "On the sandbox clock, from now."),
    vendor, kind, seconds, h("button", { type: "submit" }, "Add fault"));
  const effect = (f) => f.offline ? "machine offline" : f.drop ? "drop connections"
    : f.webhook ? `notifications ${f.webhook}${f.lateSeconds ? ` ${f.lateSeconds} s` : ""}`
    : f.pick ? `wrong pick: ${f.pick.replace("_", " ")}, ${f.quantity}`
    : f.slow ? `machine ${f.slow} times slower`
    : f.pushDelayMs ? `pushes ${f.pushDelayMs} ms late`
    : [f.status && `answers ${f.status}`, f.delayMs && `${f.delayMs} ms late`].filter(Boolean).join(", ");
  const remove = (f) => h("button", { type: "button", onclick: () => act(`Remove fault ${f.id}`, async () => {
    await api(`/faults/${f.id}`, { method: "DELETE" });
    await refresh();
  }) }, "Remove");
  const rows = list.map((f) => h("tr", { "data-fault": f.id },
    h("td", {}, String(f.id)), h("td", {}, dialectTitle(f.vendor || "") || "every API"), h("td", {}, effect(f)),
    h("td", {}, [f.method, f.path !== "*" && f.path, f.tenant && `tenant ${f.tenant}`].filter(Boolean).join(" ") || "everything"),
    h("td", {}, `${when(f.startsAt)} – ${f.endsAt ? when(f.endsAt) : "until removed"}`),
    h("td", { "data-testid": "fault-fired" }, `${f.fired} of ${f.matched}${f.remaining !== null ? `, ${f.remaining} left` : ""}`),
    h("td", {}, remove(f))));
  const table = h("table", { class: "events", "data-testid": "fault-list" },
    h("thead", {}, h("tr", {}, ...["#", "vendor", "effect", "on", "window", "fired", ""].map((t) => h("th", {}, t)))),
    h("tbody", {}, ...rows));
  return [h("div", { class: "stations" }, add), list.length ? table : h("p", { class: "muted" }, "No faults: everything works.")];
}

// The processes of the deployment, who holds each role, and how far work is behind.
function cluster(c) {
  const short = (id) => (id ? id.slice(0, 8) : "none");
  const ago = (iso) => (iso ? `${Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000))} s ago` : "never");
  const cell = (text, testid) => h("td", testid ? { "data-testid": testid } : {}, String(text));
  const processes = h("table", { class: "events", "data-testid": "processes" },
    h("thead", {}, h("tr", {}, ...["process", "host", "pid", "roles", "relay lag", "realtime", "seen"].map((t) => h("th", {}, t)))),
    h("tbody", {}, ...c.processes.map((p) => h("tr", { "data-process": p.id },
      cell(short(p.id) + (p.id === c.process ? " (answering)" : "")), cell(p.host), cell(p.pid),
      cell(p.roles.join(", ") || "none", "process-roles"), cell(p.relayLag),
      cell(p.connections, "process-connections"), cell(ago(p.seenAt))))));
  const roles = h("table", { class: "events", "data-testid": "roles" },
    h("thead", {}, h("tr", {}, ...["role", "holder", "lease token", "last progress"].map((t) => h("th", {}, t)))),
    h("tbody", {}, ...c.roles.map((r) => h("tr", { "data-role": r.role },
      cell(r.role), cell(short(r.holder), "role-holder"), cell(r.token), cell(ago(r.progressAt))))));
  const backlog = h("p", { "data-testid": "backlog" },
    `Webhook outbox: ${c.webhooks.lag ?? 0} event(s) behind the log, ${c.webhooks.pending} delivery(ies) pending. `,
    `Timers: ${c.timers.pending} pending, ${c.timers.due} due now.`);
  return [processes, roles, backlog];
}

// ------------------------------------------------------------------ routing

let routing = 0;
let teardown = () => {};

const timers = [];

// Run `fn` every `ms` while the current page is shown.
function every(ms, fn) {
  timers.push(setInterval(() => fn().catch(() => {}), ms));
}

async function route() {
  const mine = ++routing;
  teardown();
  const subscribed = [];
  teardown = () => {
    for (const l of subscribed) listeners.delete(l);
    for (const t of timers.splice(0)) clearInterval(t);
  };
  const on = (listener) => {
    subscribed.push(listener);
    listeners.add(listener);
  };
  const show = (node) => { if (mine === routing) view().replaceChildren(node); };
  const ctx = { on, show };
  const hash = location.hash || "#/";
  for (const a of document.querySelectorAll("[data-nav]")) {
    a.classList.toggle("current", (a.dataset.nav === "machines") === hash.startsWith("#/machines"));
  }
  try {
    const order = hash.match(/^#\/orders\/(\d+)$/);
    if (order) await showOrder(Number(order[1]), ctx);
    else if (hash === "#/machines") await showMachines(ctx);
    else await showBoard(ctx);
  } catch (err) {
    if (mine === routing) view().replaceChildren(h("p", { class: "error", role: "alert" }, err.message));
  }
}

async function main() {
  setUpSignIn();
  if (!token() || !(await tokenWorks(token()))) {
    localStorage.removeItem(TOKEN_KEY);
    signIn();
    await signedIn;
  }
  setUpClock();
  await readClock();
  facets = await api("/orders/facets");
  await loadVendors();
  const first = await api("/orders?limit=1");
  feedPosition = first.seq;
  follow();
  window.addEventListener("hashchange", route);
  await route();
  document.body.dataset.ready = "true";
}

// What each vendor's console module (`/console/vendors/<name>.js`) builds with.
export { act, api, badge, h, quantityInput };

main();
