// Account: everything Velro holds about the caller, as a JSON file.
import { h, alert, request } from "../../lib.js";

export default function exportData() {
  const fail = alert();
  const button = h("button", { type: "button", className: "quiet", onclick: async () => {
    button.disabled = true;
    const r = await request("GET", "/api/v1/user/export");
    button.disabled = false;
    if (!r.ok) return void (fail.textContent = r.message);
    const url = URL.createObjectURL(new Blob([JSON.stringify(r.data, null, 2)], { type: "application/json" }));
    const a = h("a", { href: url, download: "velro-export.json" });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } }, "Download my data");
  return [h("h2", {}, "Your data"), h("p", {}, "Your profile, credit history, projects, teams, generations and uploads, as one JSON file."), button, fail];
}
