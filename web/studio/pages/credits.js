// /credits: the balance, the last 30 days, and the ledger. Buying credits
// is a section of its own (credits/*.js, listed in sections): payments
// fill it when they are configured.
import { h, page, request, pager, go, formatDate, credits as amount } from "../lib.js";

const LIMIT = 25;

// sections render extra parts of the page, each from its own module; a
// feature adds its module here, and nothing else changes.
const sections = ["packs"];

export async function credits({ query }) {
  const offset = Math.max(0, Number(query.get("offset")) || 0);
  const [balance, stats, ledger] = await Promise.all([request("GET", "/api/v1/credits/balance"), request("GET", "/api/v1/credits/stats?days=30"),
    request("GET", `/api/v1/credits/transactions?limit=${LIMIT}&offset=${offset}`)]);
  const st = stats.ok ? stats.data : null;
  const extra = await Promise.all(sections.map(async (name) => (await import(`./credits/${name}.js`)).default()));
  return page("Credits",
    h("p", { className: "lead" }, balance.ok ? `You have ${amount(balance.data.balance)}.` : balance.message),
    st ? h("p", { className: "muted" }, `In the last ${st.period_days} days: ${st.total_spent} spent on ${st.generation_count} generations, ${st.total_purchased} bought.`) : null,
    ...extra.flat(),
    h("h2", {}, "History"),
    ledger.ok ? h("div", { className: "table" }, h("table", {},
      h("thead", {}, h("tr", {}, ["When", "What", "Amount", "Balance"].map((c) => h("th", { scope: "col", className: c === "Amount" || c === "Balance" ? "num" : "" }, c)))),
      h("tbody", {}, ledger.data.transactions.map((tx) => h("tr", {},
        h("td", {}, formatDate(tx.created_at)),
        h("td", {}, tx.generation_id ? h("a", { href: "/generations/" + tx.generation_id }, tx.description) : tx.description),
        h("td", { className: "num" }, (tx.amount > 0 ? "+" : "") + tx.amount),
        h("td", { className: "num" }, tx.balance_after)))))) : h("p", { role: "alert" }, ledger.message),
    ledger.ok ? pager(ledger.data.total, LIMIT, offset, (o) => go("/credits?offset=" + o)) : null);
}
