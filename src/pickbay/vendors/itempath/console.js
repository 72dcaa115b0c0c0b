// ItemPath in the operator console: the lift's operator confirms a line, short if need be.
import { act, api, h, quantityInput } from "/console/console.js";

export function lineActions(d, line, reload, t) {
  if (t.has("confirm a line") && line.state === "queued") {
    const qty = quantityInput(line.allocated || line.quantity, "quantity");
    return h("span", { class: "line-actions" }, qty, h("button", { type: "button", onclick: () => act("Confirm", async () => {
      await api(`/itempath/orders/${d.native.id}/lines/${line.key}/confirm`, { method: "POST", body: { quantity: Number(qty.value) } });
      reload();
    }) }, "Confirm"));
  }
  return null;
}
