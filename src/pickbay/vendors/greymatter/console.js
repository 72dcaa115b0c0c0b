// GreyMatter in the operator console: check a request, bring its rack, pick or put, raise
// exceptions, cancel; the floor's stock on the machines page.
import { act, api, h, quantityInput } from "/console/console.js";

export function orderActions(d, reload, t) {
  const id = d.native.id;
  const buttons = [];
  if (t.has("block") || t.has("refuse")) {
    buttons.push(h("button", { type: "button", onclick: () => act("Check", async () => { await api(`/greymatter/service-requests/${id}/check`, { method: "POST" }); reload(); }) }, "Check inventory"));
  }
  if (t.has("reach")) {
    buttons.push(h("button", { type: "button", onclick: () => act("Rack", async () => { await api(`/greymatter/service-requests/${id}/reach`, { method: "POST" }); reload(); }) }, "Bring the rack"));
  }
  if (t.has("cancel")) {
    buttons.push(h("span", { class: "cancel" },
      h("button", { type: "button", class: "danger", onclick: () => act("Cancel", async () => {
        await api(`/greymatter/service-requests/${id}/cancel`, { method: "POST" });
        reload();
      }) }, "Cancel order")));
  }
  return buttons;
}

export function lineActions(d, line, reload, t) {
  if (!(t.has("pick") && line.done + (line.short || 0) < line.quantity)) return null;
  const put = d.native.type === "PUT";
  const base = `/greymatter/service-requests/${d.native.id}/lines/${encodeURIComponent(line.key)}`;
  const qty = quantityInput(line.quantity - line.done - (line.short || 0), "quantity");
  const parts = [qty, h("button", { type: "button", onclick: () => act(put ? "Put" : "Pick", async () => {
    await api(`${base}/${put ? "put" : "pick"}`, { method: "POST", body: { quantity: Number(qty.value) } });
    reload();
  }) }, put ? "Put" : "Pick")];
  if (!put) {
    const kind = h("select", { name: "exception", "aria-label": "exception" },
      ["item_missing", "physically_damaged", "unscannable"].map((k) => h("option", { value: k }, k.replace("_", " "))));
    parts.push(kind, h("button", { type: "button", class: "warn", onclick: () => act("Exception", async () => {
      await api(`${base}/exception`, { method: "POST", body: { type: kind.value, quantity: Number(qty.value) } });
      reload();
    }) }, "Exception"));
  }
  return h("span", { class: "line-actions" }, parts);
}

export async function machines({ on }) {
  const stock = h("tbody");
  const drawStock = async () => {
    const found = await api("/greymatter/stock");
    stock.replaceChildren(...found.stock.map((s) => h("tr", {},
      h("td", { class: "number" }, Object.entries(s.attributes || {}).map(([k, v]) => `${k} ${v}`).join(", ")),
      h("td", {}, s.quantity), h("td", {}, s.blocked), h("td", {}, s.available))));
  };
  let redraw = null; // one stock read per burst of floor events
  on((e) => {
    if (e.dialect !== "greymatter" || redraw !== null) return;
    redraw = setTimeout(() => {
      redraw = null;
      drawStock().catch(() => {});
    }, 200);
  });
  await drawStock();
  return [
    h("h2", {}, "Goods-to-person floor stock"),
    h("table", { class: "stock" },
      h("thead", {}, h("tr", {}, ["Product", "On hand", "Blocked", "Available"].map((t) => h("th", {}, t)))),
      stock),
  ];
}
