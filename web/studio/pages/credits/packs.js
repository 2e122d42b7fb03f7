// Credits: the packs on sale and a Buy button for each, which opens
// Stripe Checkout; back from it, what happened to the payment.
import { h, alert, status, request, credits as amount } from "../../lib.js";

// price shows an amount in the currency's minor unit (cents, ...).
function price(minor, currency) {
  const code = currency.toUpperCase();
  const digits = new Intl.NumberFormat("en", { style: "currency", currency: code }).resolvedOptions().maximumFractionDigits;
  return new Intl.NumberFormat(undefined, { style: "currency", currency: code }).format(minor / 10 ** digits);
}

export default async function packs() {
  const back = new URLSearchParams(location.search).get("checkout");
  const note = status();
  if (back === "success") note.textContent = "Thank you. Your credits are added as soon as Stripe confirms the payment, usually within seconds.";
  if (back === "cancelled") note.textContent = "The checkout was cancelled; nothing was charged.";
  const list = await request("GET", "/api/v1/credits/packs");
  if (!list.ok || !list.data.packs.length) return [note];
  const fail = alert();
  const buy = (pack) => async (ev) => {
    ev.target.disabled = true;
    const r = await request("POST", "/api/v1/credits/checkout", { pack_id: pack.id });
    ev.target.disabled = false;
    if (r.ok) return void location.assign(r.data.checkout_url);
    fail.textContent = r.status === 503 && r.data && r.data.error === "payments_unavailable"
      ? "Buying credits is not set up on this server yet." : r.message;
  };
  return [h("h2", {}, "Buy credits"), note,
    h("ul", { className: "packs" }, list.data.packs.map((p) => h("li", {},
      h("span", {}, `${amount(p.credits)} for ${price(p.amount, p.currency)}`), " ",
      h("button", { type: "button", onclick: buy(p), "aria-label": `Buy ${amount(p.credits)}` }, "Buy")))),
    fail];
}
