// Pickup Cloud in the operator console: the robot's input station, pickup terminal and cancel.
import { act, api, h } from "/console/console.js";

export const doneLabel = "Stored";

export function orderActions(d, reload, t) {
  const buttons = [];
  if (t.has("complete input")) {
    buttons.push(h("button", { type: "button", onclick: () => act("Input", async () => { await api("/pickup-cloud/input", { method: "POST", body: { storageCode: d.codes.storage } }); reload(); }) }, "Input all missing packs"));
  }
  if (t.has("pick up")) {
    buttons.push(h("button", { type: "button", onclick: () => act("Pick up", async () => { await api("/pickup-cloud/pickup", { method: "POST", body: { pickupCode: d.codes.pickup } }); reload(); }) }, "Pick up"));
  }
  if (t.has("cancel")) {
    const reason = h("input", { type: "text", name: "reason", placeholder: "reason", "aria-label": "cancellation reason" });
    buttons.push(h("span", { class: "cancel" }, reason,
      h("button", { type: "button", class: "danger", onclick: () => act("Cancel", async () => {
        await api("/pickup-cloud/cancel", { method: "POST", body: { code: d.codes.storage, reason: reason.value } });
        reload();
      }) }, "Cancel order")));
  }
  return buttons;
}

export function lineActions(d, line, reload, t) {
  if (t.has("complete input") && line.state === "READYFORINPUT" && line.done < line.quantity) {
    return h("button", { type: "button", onclick: () => act("Input pack", async () => {
      await api("/pickup-cloud/input", { method: "POST", body: { storageCode: d.codes.storage, packs: [{ scanCode: line.sku }] } });
      reload();
    }) }, "Input one pack");
  }
  return null;
}

export function machines({ station, summary, result }) {
  return [
    h("h2", {}, "Pickup robot"),
    h("div", { class: "stations" },
      station("Input station", "Scan the storage code (DataMatrix) of an order to store its missing packs.", "storageCode", "Input packs",
        async (code) => summary(await api("/pickup-cloud/input", { method: "POST", body: { storageCode: code } }))),
      station("Pickup terminal", "Scan the customer's pickup code (QR) to hand out the order's packs.", "pickupCode", "Pick up",
        async (code) => {
          const out = await api("/pickup-cloud/pickup", { method: "POST", body: { pickupCode: code } });
          return h("div", {}, summary(out.order), h("p", {}, `${out.packs.length} pack(s) handed out.`));
        }),
      station("Cancel", "Scan either code of an order to cancel it.", "code", "Cancel order",
        async (code) => summary(await api("/pickup-cloud/cancel", { method: "POST", body: { code, reason: "Canceled at the robot" } })))),
    result,
  ];
}

